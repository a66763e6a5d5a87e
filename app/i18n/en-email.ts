/**
 * What the emails say, in English: every supporter email (emails/*.tsx) writes its subject, body,
 * buttons and receipt lines from these keys, in the supporter's stored language (ru-email.ts).
 */
export const enEmail = {
  "email.button.fallback": "If the button doesn't work, copy this address into your browser:",
  "email.manage.before": "Change your amount, card or address, pause or cancel:",
  "email.manage.link": "manage your support",
  "email.manage.after": "This link signs you in for 7 days; don't forward this email.",
  "email.contact.phone": "Phone: {phone}",
  "email.amount.withCode": "{amount} {currency}",

  "email.description.oneOff": "One-off gift to {campaign}",
  "email.description.monthly": "Monthly gift to {campaign}",
  "email.description.tierMonthly": "{plan} — monthly",
  "email.description.tierYear": "{plan} — 12 months",
  "email.period.financialYear": "financial year {start}–{end}",

  "email.receipt.heading": "Receipt {number}",
  "email.receipt.number": "Receipt number",
  "email.receipt.datePaid": "Date paid",
  "email.receipt.gift": "Gift",
  "email.receipt.feeCover": "Card fees covered",
  "email.receipt.amount": "Amount",
  "email.receipt.for": "For",
  "email.receipt.type": "Type",
  "email.receipt.receivedFrom": "Received from",
  "email.purpose.gift": "Donation",
  "email.purpose.subscription": "Supporter subscription (buys an edition; not a donation)",

  "email.donationReceipt.subject": "Your receipt {number} from {organisation}",
  "email.donationReceipt.thanksNamed": "Thank you, {name}.",
  "email.donationReceipt.thanks": "Thank you.",
  "email.donationReceipt.preview": "Receipt {number}: {amount} to {organisation}",
  "email.donationReceipt.once": "Your gift of {amount} to {campaign} has arrived.",
  "email.donationReceipt.monthly":
    "Your first monthly gift of {amount} to {campaign} has arrived. Your gift repeats every month until you change or cancel it, and we will send a receipt for each one.",
  "email.donationReceipt.next": "The next one is on {date}.",
  "email.donationReceipt.keep": "Please keep this email as your receipt.",

  "email.recurringReceipt.subject": "Receipt {number}: your monthly support for {organisation}",
  "email.recurringReceipt.thanksNamed": "Thank you, {name}",
  "email.recurringReceipt.thanks": "Thank you",
  "email.recurringReceipt.preview": "Receipt {number}: {amount} received",
  "email.recurringReceipt.body":
    "We have received this month's payment of {amount}: {description}. Regular support is what lets us plan ahead.",
  "email.recurringReceipt.next": "You pay {amount} every month. The next payment is on {date}.",

  "email.welcome.subject": "Welcome to {organisation}: {tier}",
  "email.welcome.headingNamed": "Welcome, {name}",
  "email.welcome.heading": "Welcome, and thank you",
  "email.welcome.preview": "You are now a supporter: {tier}",
  "email.welcome.thanks": "Thank you for becoming a supporter of {organisation}. Your plan: {tier}.",
  "email.welcome.monthly": "You pay {amount} every month until you change or cancel it.",
  "email.welcome.nextPayment": "The next payment is on {date}.",
  "email.welcome.yearUntil":
    "You paid {amount} once. Your support runs until {date}, and nothing more will be charged.",
  "email.welcome.once": "You paid {amount} once; nothing more will be charged.",
  "email.welcome.benefits": "What your support includes",
  "email.welcome.address": "Where we post your print edition",
  "email.welcome.firstEdition": "Expect your first print edition by {date}.",
  "email.welcome.addressWrong":
    "If this address is wrong, write to {email} and we will fix it before the next edition is posted.",

  "email.paymentFailed.subject": "Your payment to {organisation} didn't go through",
  "email.paymentFailed.headingNamed": "{name}, your payment didn't go through",
  "email.paymentFailed.heading": "Your payment didn't go through",
  "email.paymentFailed.preview": "We couldn't take {amount}: please check your card",
  "email.paymentFailed.body":
    "We tried to take {amount} for {description}, but the payment didn't go through. Nothing was charged.",
  "email.paymentFailed.reason": "The reason given: {reason}",
  "email.paymentFailed.retry": "We will try again on {date}.",
  "email.paymentFailed.button": "Update your payment details",

  "email.signIn.subject": "Your sign-in link for {organisation}",
  "email.signIn.heading": "Sign in to manage your support",
  "email.signIn.preview": "Your sign-in link (valid {minutes, plural, one {# minute} other {# minutes}})",
  "email.signIn.body":
    "Use this link within {minutes, plural, one {# minute} other {# minutes}} to sign in. It works once.",
  "email.signIn.button": "Sign in",
  "email.signIn.ignore": "If you didn't ask to sign in, ignore this email: nothing happens without the link.",

  "email.emailChange.subject": "Confirm your new email address for {organisation}",
  "email.emailChange.heading": "Confirm your new email address",
  "email.emailChange.preview": "One click to confirm your new address",
  "email.emailChange.body":
    "You asked us to use {email} for your receipts and sign-in links. Confirm it within 24 hours; until then we keep using your old address.",
  "email.emailChange.button": "Confirm this address",
  "email.emailChange.ignore": "If you didn't ask for this, ignore this email and nothing changes.",

  "email.changed.subject": "Your support for {organisation} has changed",
  "email.changed.headingNamed": "{name}, your change is confirmed",
  "email.changed.heading": "Your change is confirmed",
  "email.changed.body": "{description}: {summary}",
  "email.changed.notYou": "If you didn't make this change, reply to this email or call us.",
  "email.changed.supporterSubscription": "Your supporter subscription",
  "email.changed.amount": "from your next payment you give {to} a month (was {from}).",
  "email.changed.tier":
    "you are now a {toPlan}, at {to} a month (was {fromPlan}, {from} a month). The difference for the rest of the current month is settled with your next payment.",
  "email.changed.pausedUntil":
    "paused until {date}. No payments are taken until then, and your support carries on afterwards.",
  "email.changed.paused": "paused: {skipped}, and payments start again on {date}. Your support carries on meanwhile.",
  "email.changed.noneSkipped": "no payment is skipped",
  "email.changed.skipped":
    "{count, plural, one {the payment} other {the # payments}} of {dates} {count, plural, one {is} other {are}} skipped",
  "email.changed.resumedNext": "payments have resumed; your next payment is on {date}.",
  "email.changed.resumed": "payments have resumed.",
  "email.changed.keepNext": "your support carries on: it will not end, and your next payment is on {date}.",
  "email.changed.keep": "your support carries on: it will not end.",
  "email.changed.cancelled": "cancelled: your support has ended and no further payments will be taken.",
  "email.changed.cancelledOn": "cancelled: your support ends on {date}, and no further payments will be taken.",
  "email.changed.untilDate": ", until {date}",
  "email.changed.yearFrom":
    "your 12-month payment is received. Your monthly payments end on {from}, the end of the month you have already paid for, and your 12 months ({plan}) run from then{until}.",
  "email.changed.yearToday":
    "your 12-month payment is received and your monthly payments have ended. Your 12 months ({plan}) run from today{until}.",

  "email.cardExpiring.subject": "Your card for {organisation} is about to expire",
  "email.cardExpiring.brandLast4": "{brand} ending {last4}",
  "email.cardExpiring.last4": "ending {last4}",
  "email.cardExpiring.onFile": "The card we have on file",
  "email.cardExpiring.headingNamed": "{name}, your card is about to expire",
  "email.cardExpiring.heading": "Your card is about to expire",
  "email.cardExpiring.preview": "{card} expires {expiry}",
  "email.cardExpiring.body":
    "{card} expires at the end of {expiry}, before your next payment. Update it now and your support carries on without a gap.",
  "email.cardExpiring.button": "Update your card",

  "email.renewal.subject": "Your {organisation} support ends soon",
  "email.renewal.headingNamed": "{name}, your support ends on {date}",
  "email.renewal.heading": "Your support ends on {date}",
  "email.renewal.preview": "{tier} ends on {date}",
  "email.renewal.body":
    "Your {tier} runs until {date}. We won't charge you automatically: renew whenever suits you, for another 12 months or monthly.",
  "email.renewal.button": "Renew my support",
  "email.renewal.defaultTier": "Your supporter tier",

  "email.refund.subject": "Your refund for receipt {number} from {organisation}",
  "email.refund.headingNamed": "{name}, we've refunded {amount}",
  "email.refund.heading": "We've refunded {amount}",
  "email.refund.preview": "A refund of {amount} for receipt {number}",
  "email.refund.body": "We have refunded {refund} of your payment of {amount} for {description} (receipt {number}).",
  "email.refund.full": "The payment has been refunded in full.",
  "email.refund.part": "In total {total} of this payment has been refunded; the rest stands as your gift.",
  "email.refund.timing": "A card refund usually reaches your account within 5 to 10 working days.",

  "email.statement.subject": "Your {period} statement from {organisation}",
  "email.statement.heading": "Your statement for {period}",
  "email.statement.preview": "{amount} in gifts in {period}",
  "email.statement.line": "Receipt {number}, {date}: {description}",
  "email.statement.afterRefund": "{amount} (after refund)",
  "email.statement.gifts": "Gifts (donations)",
  "email.statement.gaveNamed": "{name}, you gave {amount} in {period}, net of refunds. Thank you.",
  "email.statement.gave": "You gave {amount} in {period}, net of refunds. Thank you.",
  "email.statement.noGifts": "We have no gifts from you in {period}.",
  "email.statement.subscriptions": "Supporter subscriptions",
  "email.statement.taxDeductible":
    "Gifts (donations) to {organisation} are tax-deductible. Supporter subscriptions buy an edition and are not gifts.",
  "email.statement.taxNotDeductible": "Gifts (donations) to {organisation} are not tax-deductible.",
  "email.statement.subscriptionsPaid":
    "You paid {amount} for supporter subscriptions in {period}, net of refunds. These payments buy an edition: they are not gifts.",

  "email.pledge.subject": "Complete your pledge to {organisation}",
  "email.pledge.subjectReminder": "Reminder: complete your pledge to {organisation}",
  "email.pledge.thanksNamed": "Thank you for your call, {name}",
  "email.pledge.thanks": "Thank you for your call",
  "email.pledge.headingReminder": "Your pledge is waiting",
  "email.pledge.preview": "Complete your pledge of {amount}",
  "email.pledge.body": "You pledged {amount} for {description}. You can complete it securely on our page below.",
  "email.pledge.bodyReminder":
    "A reminder: you pledged {amount} for {description}. You can complete it securely on our page below.",
  "email.pledge.button": "Complete your pledge",
  "email.pledge.expiry": "This link works until {date}. If you didn't make this pledge, you can ignore this email.",

  "email.staffInvite.subjectInvite": "You're invited to the {organisation} staff area",
  "email.staffInvite.subjectReset": "Set a new password for the {organisation} staff area",
  "email.staffInvite.headingInvite": "Welcome, {name}",
  "email.staffInvite.headingReset": "Set a new password",
  "email.staffInvite.previewInvite": "Choose your password to start",
  "email.staffInvite.previewReset": "Your set-password link (valid {hours, plural, one {# hour} other {# hours}})",
  "email.staffInvite.bodyInvite":
    "An administrator has made you a staff account for {organisation}. Choose your password to sign in for the first time.",
  "email.staffInvite.bodyReset":
    "An administrator has sent you a link to set a new password for your {organisation} staff account. Until you do, your current password keeps working.",
  "email.staffInvite.buttonInvite": "Choose your password",
  "email.staffInvite.buttonReset": "Set a new password",
  "email.staffInvite.linkOnce":
    "The link works once, for {hours, plural, one {# hour} other {# hours}}. If it has expired, ask an administrator for a new one.",
  "email.staffInvite.ignore": "If you weren't expecting this, ignore this email: nothing happens without the link.",
} as const;
