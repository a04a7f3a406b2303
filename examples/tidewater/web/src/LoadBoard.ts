// The dispatcher's load board: open loads, newest first, with a "tender" button each.

import { type Load, offerLoad, openLoads } from "./api";

export async function renderLoadBoard(root: HTMLElement, driverId: number): Promise<void> {
  const loads: Load[] = await openLoads();
  root.replaceChildren(
    ...loads.map((load) => {
      const row = document.createElement("li");
      row.textContent = `${load.reference} · $${(load.rateCents / 100).toFixed(2)}`;
      const button = document.createElement("button");
      button.textContent = "Tender";
      button.onclick = async () => {
        button.disabled = true;
        await offerLoad(load.id, driverId);
        row.remove();
      };
      row.append(button);
      return row;
    }),
  );
}
