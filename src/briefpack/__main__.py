from briefpack.cli import main

main()
