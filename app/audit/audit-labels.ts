/**
 * The audit log in words: what each recorded action was, as staff would say
 * it. An action not listed here is shown by its code, so a new one is never hidden.
 */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  "campaign.create": "Created a campaign",
  "campaign.update": "Changed a campaign",
  "email.resend": "Sent an email again",
  "export.payments": "Downloaded the payments export",
  "export.print_list": "Downloaded the print mailing list",
  "export.statement": "Downloaded a bank statement for Xero",
  "export.supporters": "Downloaded the supporters export",
  "payment.refund": "Refunded a payment",
  "payment.resend_receipt": "Sent a receipt again",
  "plan.create": "Created a plan",
  "plan.update": "Changed a plan",
  "pledge.cancel": "Cancelled a pledge",
  "pledge.create": "Took a pledge",
  "pledge.resend_link": "Sent a pledge's payment link again",
  "receipt.mark_posted": "Marked a printed receipt as posted",
  "settings.update": "Changed the organisation's settings",
  "staff.create": "Added a staff account",
  "staff.disable": "Disabled a staff account",
  "staff.enable": "Enabled a staff account",
  "staff.invite": "Invited a member of staff",
  "staff.invite_resend": "Sent a staff invitation again",
  "staff.password_set": "Set their password",
  "staff.reset_link": "Sent a password reset link",
  "subscription.amount": "Changed a monthly amount",
  "subscription.tier": "Changed a supporter tier",
  "subscription.pause": "Paused a subscription",
  "subscription.resume": "Resumed a subscription",
  "subscription.cancel": "Cancelled a subscription",
  "subscription.keep": "Kept a subscription that was ending",
  "subscription.change_failed": "A subscription change failed at the payment processor",
  "supporter.change_email": "Changed their email address",
  "supporter.erase": "Erased a supporter's personal data",
  "supporter.export": "Downloaded their own data",
  "supporter.note": "Added a note about a supporter",
  "supporter.request_email_change": "Asked to change their email address",
  "supporter.set_anonymous": "Changed whether their name is shown",
  "supporter.update_contact": "Changed a supporter's contact details",
  "supporter.update_details": "Changed their details",
  "webhook.replay": "Replayed a payment event",
  "webhook.replay_failed": "Replayed a payment event (it failed again)",
};

/** What kind of record an entry is about, and where staff can open it (when they can). */
export const AUDIT_TARGET_LABELS: Record<string, { label: string; path?: (id: string) => string }> = {
  supporter: { label: "Supporter", path: (id) => `/admin/supporters/${id}` },
  payment: { label: "Payment", path: (id) => `/admin/payments/${id}` },
  pledge: { label: "Pledge", path: (id) => `/admin/pledges/${id}` },
  campaign: { label: "Campaign", path: (id) => `/admin/campaigns/${id}` },
  plan: { label: "Plan", path: (id) => `/admin/plans/${id}` },
  subscription: { label: "Subscription" },
  staff_user: { label: "Staff account" },
  staff: { label: "Staff account" },
  settings: { label: "Settings", path: () => "/admin/settings" },
  export: { label: "Export" },
  provider_event: { label: "Payment event", path: () => "/admin/events" },
  system: { label: "System" },
};

export const describeAuditAction = (action: string) => AUDIT_ACTION_LABELS[action] ?? action;
