import { useLocation } from "@remix-run/react";
import { useState } from "react";
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
  const [shown, setShown] = useState<{ flash: FlashMessage; pathname: string } | null>(
    flash ? { flash, pathname } : null,
  );
  // What the previous render saw, kept in state (React's pattern for reacting to changed props):
  // a new message replaces the shown one; moving to another page without one clears it.
  const [seen, setSeen] = useState({ flash, pathname });
  if (seen.flash !== flash || seen.pathname !== pathname) {
    setSeen({ flash, pathname });
    if (flash) setShown({ flash, pathname });
    else if (seen.pathname !== pathname) setShown(null);
  }
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
