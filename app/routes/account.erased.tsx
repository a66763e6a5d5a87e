import type { MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { t } from "~/i18n/t";

export const meta: MetaFunction = () => [{ title: t("erased.heading") }, { name: "robots", content: "noindex" }];

/** Shown after "Erase me", to someone who is by then signed out: it says nothing about anyone. */
export default function Erased() {
  return (
    <div className="narrow panel">
      <h1>{t("erased.heading")}</h1>
      <p>{t("erased.body")}</p>
      <p>{t("erased.again")}</p>
      <p>
        <Link to="/">{t("privacy.back")}</Link>
      </p>
    </div>
  );
}
