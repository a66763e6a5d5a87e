import type { MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Your details are erased" }, { name: "robots", content: "noindex" }];

/** Shown after "Erase me", to someone who is by then signed out: it says nothing about anyone. */
export default function Erased() {
  return (
    <div className="narrow panel">
      <h1>Your details are erased</h1>
      <p>
        We replaced your name, email address, postal address and card details with anonymous placeholders, stopped any
        regular payments and signed you out everywhere. The amounts and dates of your gifts stay in our accounts without
        your name.
      </p>
      <p>If you give again, you will be a new supporter to us.</p>
      <p>
        <Link to="/">Back to the campaign</Link>
      </p>
    </div>
  );
}
