"""Tidewater dispatch API."""
