import type { enEmail } from "./en-email";

/** What the emails say, in Russian: the same keys as en-email.ts, every one of them. */
export const ruEmail: Record<keyof typeof enEmail, string> = {
  "email.button.fallback": "Если кнопка не работает, скопируйте этот адрес в браузер:",
  "email.manage.before": "Изменить сумму, карту или адрес, приостановить или отменить:",
  "email.manage.link": "управление поддержкой",
  "email.manage.after": "Эта ссылка открывает ваш кабинет на 7 дней; не пересылайте это письмо.",
  "email.contact.phone": "Телефон: {phone}",
  "email.amount.withCode": "{amount} {currency}",

  "email.description.oneOff": "Разовое пожертвование: {campaign}",
  "email.description.monthly": "Ежемесячное пожертвование: {campaign}",
  "email.description.tierMonthly": "{plan} — ежемесячно",
  "email.description.tierYear": "{plan} — 12 месяцев",
  "email.period.financialYear": "финансовый год {start}–{end}",

  "email.receipt.heading": "Квитанция {number}",
  "email.receipt.number": "Номер квитанции",
  "email.receipt.datePaid": "Дата оплаты",
  "email.receipt.gift": "Пожертвование",
  "email.receipt.feeCover": "Покрытие комиссии за карту",
  "email.receipt.amount": "Сумма",
  "email.receipt.for": "Назначение",
  "email.receipt.type": "Вид",
  "email.receipt.receivedFrom": "От кого",
  "email.purpose.gift": "Пожертвование",
  "email.purpose.subscription": "Подписка сторонника (оплата издания, не пожертвование)",

  "email.donationReceipt.subject": "Ваша квитанция {number} от {organisation}",
  "email.donationReceipt.thanksNamed": "Спасибо, {name}.",
  "email.donationReceipt.thanks": "Спасибо.",
  "email.donationReceipt.preview": "Квитанция {number}: {amount} для {organisation}",
  "email.donationReceipt.once": "Ваше пожертвование {amount} в пользу «{campaign}» получено.",
  "email.donationReceipt.monthly":
    "Ваше первое ежемесячное пожертвование {amount} в пользу «{campaign}» получено. Оно будет повторяться каждый месяц, пока вы его не измените или не отмените, и за каждое мы пришлём квитанцию.",
  "email.donationReceipt.next": "Следующее — {date}.",
  "email.donationReceipt.keep": "Пожалуйста, сохраните это письмо: это ваша квитанция.",

  "email.recurringReceipt.subject": "Квитанция {number}: ваша ежемесячная поддержка {organisation}",
  "email.recurringReceipt.thanksNamed": "Спасибо, {name}",
  "email.recurringReceipt.thanks": "Спасибо",
  "email.recurringReceipt.preview": "Квитанция {number}: {amount} получено",
  "email.recurringReceipt.body":
    "Мы получили платёж за этот месяц, {amount}: {description}. Регулярная поддержка позволяет нам планировать работу.",
  "email.recurringReceipt.next": "Вы платите {amount} каждый месяц. Следующий платёж — {date}.",

  "email.welcome.subject": "Добро пожаловать в {organisation}: {tier}",
  "email.welcome.headingNamed": "Добро пожаловать, {name}",
  "email.welcome.heading": "Добро пожаловать и спасибо",
  "email.welcome.preview": "Теперь вы сторонник: {tier}",
  "email.welcome.thanks": "Спасибо, что стали сторонником {organisation}. Ваш план: {tier}.",
  "email.welcome.monthly": "Вы платите {amount} каждый месяц, пока не измените или не отмените подписку.",
  "email.welcome.nextPayment": "Следующий платёж — {date}.",
  "email.welcome.yearUntil":
    "Вы заплатили {amount} один раз. Ваша поддержка действует до {date}, больше ничего списано не будет.",
  "email.welcome.once": "Вы заплатили {amount} один раз; больше ничего списано не будет.",
  "email.welcome.benefits": "Что входит в вашу поддержку",
  "email.welcome.address": "Куда мы отправляем печатное издание",
  "email.welcome.firstEdition": "Первый печатный номер придёт к {date}.",
  "email.welcome.addressWrong":
    "Если адрес неверный, напишите на {email}, и мы исправим его до отправки следующего номера.",

  "email.paymentFailed.subject": "Ваш платёж в {organisation} не прошёл",
  "email.paymentFailed.headingNamed": "{name}, ваш платёж не прошёл",
  "email.paymentFailed.heading": "Ваш платёж не прошёл",
  "email.paymentFailed.preview": "Не удалось списать {amount}: проверьте карту",
  "email.paymentFailed.body": "Мы пытались списать {amount} за {description}, но платёж не прошёл. Ничего не списано.",
  "email.paymentFailed.reason": "Указанная причина: {reason}",
  "email.paymentFailed.retry": "Мы попробуем снова {date}.",
  "email.paymentFailed.button": "Обновить платёжные данные",

  "email.signIn.subject": "Ваша ссылка для входа в {organisation}",
  "email.signIn.heading": "Войдите, чтобы управлять поддержкой",
  "email.signIn.preview":
    "Ваша ссылка для входа (действует {minutes, plural, one {# минуту} few {# минуты} many {# минут} other {# минуты}})",
  "email.signIn.body":
    "Воспользуйтесь ссылкой в течение {minutes, plural, one {# минуты} few {# минут} many {# минут} other {# минуты}}. Она работает один раз.",
  "email.signIn.button": "Войти",
  "email.signIn.ignore":
    "Если вы не просили ссылку для входа, просто проигнорируйте письмо: без ссылки ничего не произойдёт.",

  "email.emailChange.subject": "Подтвердите новый адрес электронной почты для {organisation}",
  "email.emailChange.heading": "Подтвердите новый адрес электронной почты",
  "email.emailChange.preview": "Один щелчок, чтобы подтвердить новый адрес",
  "email.emailChange.body":
    "Вы попросили присылать квитанции и ссылки для входа на {email}. Подтвердите адрес в течение 24 часов; до тех пор мы пишем на старый.",
  "email.emailChange.button": "Подтвердить адрес",
  "email.emailChange.ignore": "Если вы этого не просили, проигнорируйте письмо: ничего не изменится.",

  "email.changed.subject": "Ваша поддержка {organisation} изменена",
  "email.changed.headingNamed": "{name}, изменение подтверждено",
  "email.changed.heading": "Изменение подтверждено",
  "email.changed.body": "{description}: {summary}",
  "email.changed.notYou": "Если это сделали не вы, ответьте на это письмо или позвоните нам.",
  "email.changed.supporterSubscription": "Ваша подписка сторонника",
  "email.changed.amount": "со следующего платежа вы даёте {to} в месяц (было {from}).",
  "email.changed.tier":
    "теперь ваш план — {toPlan}, {to} в месяц (был {fromPlan}, {from} в месяц). Разница за остаток текущего месяца учтётся в следующем платеже.",
  "email.changed.pausedUntil":
    "приостановлено до {date}. До этого дня платежи не списываются, а затем поддержка продолжится.",
  "email.changed.paused":
    "приостановлено: {skipped}, платежи возобновятся {date}. Ваша поддержка тем временем продолжается.",
  "email.changed.noneSkipped": "ни один платёж не пропускается",
  "email.changed.skipped":
    "{count, plural, one {пропускается # платёж} few {пропускаются # платежа} many {пропускаются # платежей} other {пропускаются # платежа}} ({dates})",
  "email.changed.resumedNext": "платежи возобновлены; следующий платёж — {date}.",
  "email.changed.resumed": "платежи возобновлены.",
  "email.changed.keepNext": "ваша поддержка продолжается: она не закончится, следующий платёж — {date}.",
  "email.changed.keep": "ваша поддержка продолжается: она не закончится.",
  "email.changed.cancelled": "отменено: ваша поддержка закончилась, больше платежей не будет.",
  "email.changed.cancelledOn": "отменено: ваша поддержка заканчивается {date}, больше платежей не будет.",
  "email.changed.untilDate": ", до {date}",
  "email.changed.yearFrom":
    "ваш платёж за 12 месяцев получен. Ежемесячные платежи заканчиваются {from}, в конце уже оплаченного месяца, и с этого дня действуют ваши 12 месяцев ({plan}){until}.",
  "email.changed.yearToday":
    "ваш платёж за 12 месяцев получен, ежемесячные платежи прекращены. Ваши 12 месяцев ({plan}) действуют с сегодняшнего дня{until}.",

  "email.cardExpiring.subject": "Срок действия вашей карты для {organisation} истекает",
  "email.cardExpiring.brandLast4": "Карта {brand} с последними цифрами {last4}",
  "email.cardExpiring.last4": "Карта с последними цифрами {last4}",
  "email.cardExpiring.onFile": "Сохранённая у нас карта",
  "email.cardExpiring.headingNamed": "{name}, срок действия вашей карты истекает",
  "email.cardExpiring.heading": "Срок действия вашей карты истекает",
  "email.cardExpiring.preview": "{card}: срок действия до {expiry}",
  "email.cardExpiring.body":
    "{card}: срок действия заканчивается в конце {expiry}, до вашего следующего платежа. Обновите карту сейчас, и поддержка продолжится без перерыва.",
  "email.cardExpiring.button": "Обновить карту",

  "email.renewal.subject": "Ваша поддержка {organisation} скоро закончится",
  "email.renewal.headingNamed": "{name}, ваша поддержка заканчивается {date}",
  "email.renewal.heading": "Ваша поддержка заканчивается {date}",
  "email.renewal.preview": "{tier}: до {date}",
  "email.renewal.body":
    "Ваш план «{tier}» действует до {date}. Мы не списываем деньги автоматически: продлите, когда вам удобно, ещё на 12 месяцев или помесячно.",
  "email.renewal.button": "Продлить поддержку",
  "email.renewal.defaultTier": "Ваш план сторонника",

  "email.refund.subject": "Возврат по квитанции {number} от {organisation}",
  "email.refund.headingNamed": "{name}, мы вернули {amount}",
  "email.refund.heading": "Мы вернули {amount}",
  "email.refund.preview": "Возврат {amount} по квитанции {number}",
  "email.refund.body": "Мы вернули {refund} из вашего платежа {amount} за {description} (квитанция {number}).",
  "email.refund.full": "Платёж возвращён полностью.",
  "email.refund.part": "Всего по этому платежу возвращено {total}; остальное остаётся вашим пожертвованием.",
  "email.refund.timing": "Возврат на карту обычно приходит в течение 5–10 рабочих дней.",

  "email.statement.subject": "Ваша выписка за {period} от {organisation}",
  "email.statement.heading": "Ваша выписка за {period}",
  "email.statement.preview": "{amount} пожертвований за {period}",
  "email.statement.line": "Квитанция {number}, {date}: {description}",
  "email.statement.afterRefund": "{amount} (после возврата)",
  "email.statement.gifts": "Пожертвования",
  "email.statement.gaveNamed": "{name}, за {period} вы пожертвовали {amount} за вычетом возвратов. Спасибо.",
  "email.statement.gave": "За {period} вы пожертвовали {amount} за вычетом возвратов. Спасибо.",
  "email.statement.noGifts": "За {period} у нас нет от вас пожертвований.",
  "email.statement.subscriptions": "Подписки сторонника",
  "email.statement.taxDeductible":
    "Пожертвования в {organisation} вычитаются из налогооблагаемой базы. Подписки сторонника — это оплата издания, а не пожертвования.",
  "email.statement.taxNotDeductible": "Пожертвования в {organisation} не вычитаются из налогооблагаемой базы.",
  "email.statement.subscriptionsPaid":
    "За {period} вы заплатили {amount} за подписки сторонника за вычетом возвратов. Это оплата издания, а не пожертвования.",

  "email.pledge.subject": "Завершите ваше обещание пожертвования для {organisation}",
  "email.pledge.subjectReminder": "Напоминание: завершите ваше обещание пожертвования для {organisation}",
  "email.pledge.thanksNamed": "Спасибо за звонок, {name}",
  "email.pledge.thanks": "Спасибо за звонок",
  "email.pledge.headingReminder": "Ваше обещание ждёт",
  "email.pledge.preview": "Завершите пожертвование {amount}",
  "email.pledge.body": "Вы обещали {amount} за {description}. Завершить можно безопасно на нашей странице ниже.",
  "email.pledge.bodyReminder":
    "Напоминаем: вы обещали {amount} за {description}. Завершить можно безопасно на нашей странице ниже.",
  "email.pledge.button": "Завершить пожертвование",
  "email.pledge.expiry": "Ссылка действует до {date}. Если вы ничего не обещали, просто проигнорируйте это письмо.",

  "email.staffInvite.subjectInvite": "Приглашение в раздел сотрудников {organisation}",
  "email.staffInvite.subjectReset": "Новый пароль для раздела сотрудников {organisation}",
  "email.staffInvite.headingInvite": "Добро пожаловать, {name}",
  "email.staffInvite.headingReset": "Задайте новый пароль",
  "email.staffInvite.previewInvite": "Выберите пароль, чтобы начать",
  "email.staffInvite.previewReset":
    "Ваша ссылка для смены пароля (действует {hours, plural, one {# час} few {# часа} many {# часов} other {# часа}})",
  "email.staffInvite.bodyInvite":
    "Администратор создал для вас учётную запись сотрудника {organisation}. Выберите пароль, чтобы войти в первый раз.",
  "email.staffInvite.bodyReset":
    "Администратор прислал вам ссылку, чтобы задать новый пароль для учётной записи сотрудника {organisation}. Пока вы этого не сделали, действует текущий пароль.",
  "email.staffInvite.buttonInvite": "Выбрать пароль",
  "email.staffInvite.buttonReset": "Задать новый пароль",
  "email.staffInvite.linkOnce":
    "Ссылка работает один раз, в течение {hours, plural, one {# часа} few {# часов} many {# часов} other {# часа}}. Если срок истёк, попросите у администратора новую.",
  "email.staffInvite.ignore": "Если вы этого не ждали, проигнорируйте письмо: без ссылки ничего не произойдёт.",
};
