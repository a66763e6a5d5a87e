import { useRouteLoaderData } from "@remix-run/react";
import { formatDate, formatDateTime, zoneName } from "~/dates";
import type { loader as adminLoader } from "~/routes/admin";

/**
 * Dates and times on staff screens, on the organisation's clock (its time zone setting) and saying
 * which: "3 Dec 2026, 5:07 pm AEDT". The admin frame's loader supplies the zone.
 */
export function useOrgTime() {
  const timeZone = useRouteLoaderData<typeof adminLoader>("routes/admin")?.timeZone ?? "UTC";
  return {
    timeZone,
    dateTime: (at: Date | string, options: { seconds?: boolean } = {}) => formatDateTime(at, timeZone, options),
    date: (at: Date | string) => formatDate(at, timeZone, "medium"),
    /** The zone's short name now ("AEDT"), for headings such as "Times in AEDT". */
    zone: () => zoneName(new Date(), timeZone),
  };
}
