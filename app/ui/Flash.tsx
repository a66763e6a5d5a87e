import { useLocation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";

export type FlashMessage = { key: MessageKey; params?: Record<string, string | number> };

/**
 * The one confirmation every account change ends with: a status region (announced by screen
 * readers without moving focus), above the page's heading. It stays on the page it landed on,
 * also while the page refreshes itself, and goes when the supporter moves on.
 */
export function Flash({ flash }: { flash: FlashMessage | null }) {
  const { pathname } = useLocation();
  const [shown, setShown] = useState<{ flash: FlashMessage; pathname: string } | null>(flash ? { flash, pathname } : null);
  const landed = useRef(pathname);
  useEffect(() => {
    if (flash) setShown({ flash, pathname });
    else if (landed.current !== pathname) setShown(null);
    landed.current = pathname;
  }, [flash, pathname]);
  const message = shown && shown.pathname === pathname ? shown.flash : null;
  return (
    <div className="flash-region" role="status" aria-live="polite">
      {message ? (
        <p className={message.key === "flash.pending" ? "flash flash-pending" : "flash"}>
          <span className="flash-mark" aria-hidden="true">
            {message.key === "flash.pending" ? "…" : "✓"}
          </span>{" "}
          {t(message.key, message.params)}
        </p>
      ) : null}
    </div>
  );
}
