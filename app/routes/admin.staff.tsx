import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { addStaffAccount, listStaffAccounts, NewStaffSchema, setStaffAccountDisabled } from "~/auth/staff-accounts.server";
import { MIN_PASSWORD_LENGTH, requireStaff } from "~/auth/staff-auth.server";
import { t } from "~/i18n/t";
import { ErrorSummary, FieldError, fieldProps, TextField } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: "Staff" }];

const LABELS = { email: "Email", name: "Name", role: "Role", password: "Temporary password" };

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request, { role: "admin" });
  const [staff, csrf] = await Promise.all([listStaffAccounts(db), issueCsrfToken(request)]);
  return json({ staff, me: me.staffUserId, csrf: csrf.token }, { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } });
}

const ToggleSchema = z.object({ intent: z.enum(["disable", "enable"]), id: z.coerce.number().int().positive() });

type ActionData = { errors?: Partial<Record<string, string>>; values?: Record<string, string>; formError?: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request, { role: "admin" });
  const formData = await request.formData();
  if (!(await isValidCsrf(request, formData))) return json<ActionData>({ formError: t("error.csrf") }, { status: 403 });
  const intent = formData.get("intent");

  if (intent === "add") {
    const values = { email: String(formData.get("email") ?? ""), name: String(formData.get("name") ?? ""), role: String(formData.get("role") ?? "") };
    const parsed = NewStaffSchema.safeParse({ ...values, password: formData.get("password") ?? "" });
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return json<ActionData>({ errors, values }, { status: 400 });
    }
    const result = await addStaffAccount(db, { input: parsed.data, actorStaffId: me.staffUserId });
    if (!result.ok) return json<ActionData>({ errors: { email: "someone already has an account with this email" }, values }, { status: 409 });
    return redirect("/admin/staff?added=1", 303);
  }

  const parsed = ToggleSchema.safeParse({ intent, id: formData.get("id") });
  if (!parsed.success) return json<ActionData>({ formError: "Unknown request." }, { status: 400 });
  const result = await setStaffAccountDisabled(db, { staffUserId: parsed.data.id, disabled: parsed.data.intent === "disable", actorStaffId: me.staffUserId });
  if (result === "self") return json<ActionData>({ formError: "You cannot disable your own account. Ask another administrator." }, { status: 409 });
  if (result === "not_found") return json<ActionData>({ formError: "No such staff account." }, { status: 404 });
  return redirect(`/admin/staff?${parsed.data.intent === "disable" ? "disabled" : "enabled"}=1`, 303);
}

const date = new Intl.DateTimeFormat("en-AU", { dateStyle: "medium", timeZone: "UTC" });

export default function Staff() {
  const { staff, me, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [params] = useSearchParams();
  const notice = params.get("added") ? "The account has been created. Tell them their temporary password in person or by phone." : params.get("disabled") ? "The account is disabled and its sessions have ended." : params.get("enabled") ? "The account can sign in again." : null;
  return (
    <div className="panel">
      <h1>Staff</h1>
      {notice ? <p role="status">{notice}</p> : null}
      {actionData?.formError && !actionData.errors ? (
        <p role="alert" className="field-error">
          {actionData.formError}
        </p>
      ) : null}
      <table>
        <caption className="visually-hidden">Staff accounts</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>{s.email}</td>
              <td>{s.role}</td>
              <td>{s.disabledAt ? `disabled ${date.format(new Date(s.disabledAt))}` : "active"}</td>
              <td>
                {s.id === me ? (
                  <span className="hint">you</span>
                ) : (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="csrf" value={csrf} />
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" name="intent" value={s.disabledAt ? "enable" : "disable"} className="link-button">
                      {s.disabledAt ? "Re-enable" : "Disable"}
                      <span className="visually-hidden"> {s.name}</span>
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Add a person</h2>
      <Form method="post" noValidate>
        <ErrorSummary errors={actionData?.errors} labels={LABELS} />
        <input type="hidden" name="csrf" value={csrf} />
        <TextField name="name" label={LABELS.name} autoComplete="off" required errors={actionData?.errors} values={actionData?.values ?? {}} />
        <TextField name="email" label={LABELS.email} type="email" autoComplete="off" required errors={actionData?.errors} values={actionData?.values ?? {}} />
        <div className="field">
          <label htmlFor="role">{LABELS.role}</label>
          <select {...fieldProps("role", actionData?.errors)} defaultValue={actionData?.values?.role ?? "staff"}>
            <option value="staff">staff — pledges, supporters, exports</option>
            <option value="admin">admin — everything, including refunds and staff</option>
          </select>
          <FieldError id="role-error" message={actionData?.errors?.role} />
        </div>
        <TextField
          name="password"
          label={LABELS.password}
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. Tell them in person or by phone, never by email.`}
          errors={actionData?.errors}
          values={{}}
        />
        <button type="submit" name="intent" value="add">
          Add person
        </button>
      </Form>
    </div>
  );
}
