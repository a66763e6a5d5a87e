import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import {
  InviteStaffSchema,
  inviteStaffAccount,
  listStaffAccounts,
  sendStaffPasswordLink,
  setStaffAccountDisabled,
} from "~/auth/staff-accounts.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { Button, DataTable, FormActions, Notice } from "~/ui/admin";
import { ErrorSummary, SelectField, TextField } from "~/ui/fields";
import { RowId } from "~/ids";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction = () => [{ title: t("admin.staff.staff") }];

const LABELS = { email: t("admin.staff.email"), name: t("admin.staff.name"), role: t("admin.staff.role") };

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request, { role: "admin" });
  const [staff, csrf] = await Promise.all([listStaffAccounts(db), issueCsrfToken(request)]);
  return json(
    { staff, me: me.staffUserId, csrf: csrf.token },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

const PersonSchema = z.object({ intent: z.enum(["disable", "enable", "send-link"]), id: RowId });

type ActionData = { errors?: Partial<Record<string, string>>; values?: Record<string, string>; formError?: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request, { role: "admin" });
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return json<ActionData>({ formError: t("error.csrf") }, { status: 403 });
  const intent = formData.get("intent");

  if (intent === "invite") {
    const values = {
      email: String(formData.get("email") ?? ""),
      name: String(formData.get("name") ?? ""),
      role: String(formData.get("role") ?? ""),
    };
    const parsed = InviteStaffSchema.safeParse(values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return json<ActionData>({ errors, values }, { status: 400 });
    }
    const result = await inviteStaffAccount(db, { input: parsed.data, actorStaffId: me.staffUserId });
    if (!result.ok)
      return json<ActionData>(
        { errors: { email: t("admin.staff.someoneAlreadyHasAnAccount") }, values },
        { status: 409 },
      );
    return redirect("/admin/staff?invited=1", 303);
  }

  const parsed = PersonSchema.safeParse({ intent, id: formData.get("id") });
  if (!parsed.success) return json<ActionData>({ formError: t("admin.staff.unknownRequest") }, { status: 400 });
  const { id } = parsed.data;

  if (parsed.data.intent === "send-link") {
    const sent = await sendStaffPasswordLink(db, { staffUserId: id, actorStaffId: me.staffUserId });
    if (sent.status !== "sent") {
      return sent.status === "disabled"
        ? json<ActionData>({ formError: t("admin.staff.thisAccountIsDisabledRe") }, { status: 409 })
        : json<ActionData>({ formError: t("admin.staff.noSuchStaffAccount") }, { status: 404 });
    }
    return redirect(`/admin/staff?${sent.purpose === "invite" ? "reinvited" : "reset"}=1`, 303);
  }

  const result = await setStaffAccountDisabled(db, {
    staffUserId: id,
    disabled: parsed.data.intent === "disable",
    actorStaffId: me.staffUserId,
  });
  if (result === "self")
    return json<ActionData>({ formError: t("admin.staff.youCannotDisableYourOwn") }, { status: 409 });
  if (result === "not_found")
    return json<ActionData>({ formError: t("admin.staff.noSuchStaffAccount") }, { status: 404 });
  return redirect(`/admin/staff?${parsed.data.intent === "disable" ? "disabled" : "enabled"}=1`, 303);
}

const NOTICES = {
  invited: t("admin.staff.theInvitationIsOnIts"),
  reinvited: t("admin.staff.aNewInvitationIsOn"),
  reset: t("admin.staff.aSetPasswordLinkIs"),
  disabled: t("admin.staff.theAccountIsDisabledAnd"),
  enabled: t("admin.staff.theAccountCanSignIn"),
} as const;

type Person = ReturnType<typeof useLoaderData<typeof loader>>["staff"][number];

function status(person: Person, date: (at: string) => string) {
  if (person.disabledAt) return t("admin.staff.disabledDisabledat", { disabledAt: String(date(person.disabledAt)) });
  if (!person.hasPassword)
    return person.linkPending ? t("admin.staff.invitedNoPasswordYet") : t("admin.staff.invitationExpired");
  return person.linkPending ? t("admin.staff.activeResetLinkSent") : t("admin.staff.active");
}

function PersonActions({ person, csrf }: { person: Person; csrf: string }) {
  return (
    <Form method="post" className="button-row">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="id" value={person.id} />
      {person.disabledAt ? null : (
        <Button variant="secondary" compact name="intent" value="send-link">
          {person.hasPassword ? t("admin.staff.sendResetLink") : t("admin.staff.resendInvitation")}
          <span className="visually-hidden">
            {" "}
            {t("admin.staff.to")} {person.name}
          </span>
        </Button>
      )}
      <Button
        variant={person.disabledAt ? "secondary" : "danger"}
        compact
        name="intent"
        value={person.disabledAt ? "enable" : "disable"}
      >
        {person.disabledAt ? t("admin.staff.reEnable") : t("admin.staff.disable")}
        <span className="visually-hidden"> {person.name}</span>
      </Button>
    </Form>
  );
}

export default function Staff() {
  const { date } = useOrgTime();
  const { staff, me, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [params] = useSearchParams();
  const notice = (Object.keys(NOTICES) as (keyof typeof NOTICES)[]).find((key) => params.get(key));
  return (
    <div className="panel">
      <h1>{t("admin.staff.staff")}</h1>
      {notice ? <Notice tone="done">{NOTICES[notice]}</Notice> : null}
      {actionData?.formError && !actionData.errors ? <Notice tone="error">{actionData.formError}</Notice> : null}
      <DataTable caption={t("admin.staff.staffAccounts")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.staff.name")}</th>
            <th scope="col">{t("admin.staff.email")}</th>
            <th scope="col">{t("admin.staff.role")}</th>
            <th scope="col">{t("admin.staff.status")}</th>
            <th scope="col">{t("admin.staff.action")}</th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>{s.email}</td>
              <td>{s.role}</td>
              <td>{status(s, date)}</td>
              <td>
                {s.id === me ? (
                  <span className="hint">{t("admin.staff.you")}</span>
                ) : (
                  <PersonActions person={s} csrf={csrf} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </DataTable>

      <h2>{t("admin.staff.inviteAPerson")}</h2>
      <p>{t("admin.staff.theyGetAnEmailWith")}</p>
      <Form method="post" noValidate>
        <ErrorSummary errors={actionData?.errors} labels={LABELS} />
        <input type="hidden" name="csrf" value={csrf} />
        <TextField
          name="name"
          label={LABELS.name}
          autoComplete="off"
          required
          errors={actionData?.errors}
          values={actionData?.values ?? {}}
        />
        <TextField
          name="email"
          label={LABELS.email}
          type="email"
          autoComplete="off"
          required
          errors={actionData?.errors}
          values={actionData?.values ?? {}}
        />
        <SelectField
          name="role"
          label={LABELS.role}
          options={{
            staff: t("admin.staff.roleStaff"),
            admin: t("admin.staff.adminEverythingIncludingRefundsAnd"),
          }}
          value={actionData?.values?.role ?? "staff"}
          errors={actionData?.errors}
        />
        <FormActions>
          <Button name="intent" value="invite">
            {t("admin.staff.sendInvitation")}
          </Button>
        </FormActions>
      </Form>
    </div>
  );
}
