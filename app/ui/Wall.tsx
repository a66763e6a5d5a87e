import { t } from "~/i18n/t";

export type WallProps = {
  wall: {
    messages: {
      id: number;
      message: string;
      signature: string;
      date: string;
      dateIso: string;
      amount: string | null;
    }[];
    olderHref: string | null;
    newestHref: string | null;
  };
};

/**
 * The wall of solidarity: approved messages of support, each a quotation signed as its writer
 * chose ("Ana, Hobart" or "Anonymous"). Plain links page through it: no JavaScript needed.
 */
export function Wall({ wall }: WallProps) {
  const { messages, olderHref, newestHref } = wall;
  return (
    <section className="panel wall" id="wall" aria-labelledby="wall-heading">
      <h2 id="wall-heading">{t("wall.heading")}</h2>
      {messages.length === 0 ? (
        <p>{t("wall.empty")}</p>
      ) : (
        <>
          <p className="hint">{t("wall.intro")}</p>
          <ol className="wall-list">
            {messages.map((m) => (
              <li key={m.id}>
                <figure className="wall-message">
                  <blockquote>
                    <p>{m.message}</p>
                  </blockquote>
                  <figcaption>
                    <span className="wall-signature">{m.signature}</span>
                    {m.amount ? <span className="wall-amount">{m.amount}</span> : null}
                    <time dateTime={m.dateIso}>{m.date}</time>
                  </figcaption>
                </figure>
              </li>
            ))}
          </ol>
        </>
      )}
      {olderHref || newestHref ? (
        <nav className="wall-pages" aria-label={t("wall.heading")}>
          {olderHref ? (
            <a href={olderHref} rel="next">
              {t("wall.older")}
            </a>
          ) : null}
          {newestHref ? <a href={newestHref}>{t("wall.newest")}</a> : null}
        </nav>
      ) : null}
    </section>
  );
}
