// Typed calls to the Tidewater API. Every call is scoped to the signed-in carrier.

export type LoadStatus = "open" | "covered" | "in_transit" | "delivered" | "cancelled";

export interface Load {
  id: number;
  reference: string;
  status: LoadStatus;
  rateCents: number;
}

export interface Tender {
  id: number;
  loadId: number;
  driverId: number;
  status: "offered" | "accepted" | "rejected" | "expired";
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`/api${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(init?.headers ?? {}) },
  });
  if (!response.ok) {
    throw new Error(`${init?.method ?? "GET"} ${path} failed: ${response.status}`);
  }
  return (await response.json()) as T;
}

export const openLoads = () => call<Load[]>("/loads?status=open");

export const offerLoad = (loadId: number, driverId: number) =>
  call<Tender>(`/loads/${loadId}/tenders`, {
    method: "POST",
    body: JSON.stringify({ driverId }),
  });
