import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";

/**
 * The audit log in words: what each recorded action was, as staff would say
 * it (the words are in the staff catalogue). An action not listed here is shown by its code, so a new one is never hidden.
 */
export const AUDIT_ACTION_LABELS: Record<string, MessageKey> = {
  "campaign.create": "admin.auditAction.campaignCreate",
  "campaign.update": "admin.auditAction.campaignUpdate",
  "email.resend": "admin.auditAction.emailResend",
  "export.payments": "admin.auditAction.exportPayments",
  "export.print_list": "admin.auditAction.exportPrintList",
  "export.statement": "admin.auditAction.exportStatement",
  "export.supporters": "admin.auditAction.exportSupporters",
  "payment.refund": "admin.auditAction.paymentRefund",
  "payment.resend_receipt": "admin.auditAction.paymentResendReceipt",
  "plan.create": "admin.auditAction.planCreate",
  "plan.update": "admin.auditAction.planUpdate",
  "pledge.cancel": "admin.auditAction.pledgeCancel",
  "pledge.create": "admin.auditAction.pledgeCreate",
  "pledge.resend_link": "admin.auditAction.pledgeResendLink",
  "receipt.mark_posted": "admin.auditAction.receiptMarkPosted",
  "settings.update": "admin.auditAction.settingsUpdate",
  "staff.create": "admin.auditAction.staffCreate",
  "staff.disable": "admin.auditAction.staffDisable",
  "staff.enable": "admin.auditAction.staffEnable",
  "staff.invite": "admin.auditAction.staffInvite",
  "staff.invite_resend": "admin.auditAction.staffInviteResend",
  "staff.password_set": "admin.auditAction.staffPasswordSet",
  "staff.reset_link": "admin.auditAction.staffResetLink",
  "subscription.amount": "admin.auditAction.subscriptionAmount",
  "subscription.tier": "admin.auditAction.subscriptionTier",
  "subscription.pause": "admin.auditAction.subscriptionPause",
  "subscription.resume": "admin.auditAction.subscriptionResume",
  "subscription.cancel": "admin.auditAction.subscriptionCancel",
  "subscription.keep": "admin.auditAction.subscriptionKeep",
  "subscription.change_failed": "admin.auditAction.subscriptionChangeFailed",
  "supporter.change_email": "admin.auditAction.supporterChangeEmail",
  "supporter.erase": "admin.auditAction.supporterErase",
  "supporter.export": "admin.auditAction.supporterExport",
  "supporter.note": "admin.auditAction.supporterNote",
  "supporter.request_email_change": "admin.auditAction.supporterRequestEmailChange",
  "supporter.set_anonymous": "admin.auditAction.supporterSetAnonymous",
  "supporter.update_contact": "admin.auditAction.supporterUpdateContact",
  "supporter.update_details": "admin.auditAction.supporterUpdateDetails",
  "webhook.replay": "admin.auditAction.webhookReplay",
  "webhook.replay_failed": "admin.auditAction.webhookReplayFailed",
};

/** What kind of record an entry is about, and where staff can open it (when they can). */
export const AUDIT_TARGET_LABELS: Record<string, { key: MessageKey; path?: (id: string) => string }> = {
  supporter: { key: "admin.auditTarget.supporter", path: (id) => `/admin/supporters/${id}` },
  payment: { key: "admin.auditTarget.payment", path: (id) => `/admin/payments/${id}` },
  pledge: { key: "admin.auditTarget.pledge", path: (id) => `/admin/pledges/${id}` },
  campaign: { key: "admin.auditTarget.campaign", path: (id) => `/admin/campaigns/${id}` },
  plan: { key: "admin.auditTarget.plan", path: (id) => `/admin/plans/${id}` },
  subscription: { key: "admin.auditTarget.subscription" },
  staff_user: { key: "admin.auditTarget.staffUser" },
  staff: { key: "admin.auditTarget.staff" },
  settings: { key: "admin.auditTarget.settings", path: () => "/admin/settings" },
  export: { key: "admin.auditTarget.export" },
  provider_event: { key: "admin.auditTarget.providerEvent", path: () => "/admin/events" },
  system: { key: "admin.auditTarget.system" },
};

export const describeAuditAction = (action: string): string => {
  const key = AUDIT_ACTION_LABELS[action];
  return key ? t(key) : action;
};

/** What kind of record an entry is about, in words; an unknown kind by its code. */
export const describeAuditTarget = (targetType: string): string => {
  const target = AUDIT_TARGET_LABELS[targetType];
  return target ? t(target.key) : targetType;
};
