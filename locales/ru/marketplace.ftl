# Почему маркетплейс отказал или не ответил — так, как это читает продавец (services.marketplace.FailureReason).
marketplace-failure-credentials = Маркетплейс не принял API-ключ: он неверный или отозван. Создайте новый ключ в кабинете продавца и подключите его снова.
marketplace-failure-premium-required = Ozon открывает чаты с покупателями через API только с подпиской Premium Plus. Подключите её в кабинете Ozon и попробуйте снова.
marketplace-failure-rate-limited = Маркетплейс попросил нас притормозить. Сообщение подождёт и уйдёт само через несколько секунд.
marketplace-failure-unavailable = Маркетплейс сейчас не отвечает. Мы повторим сами, ничего не потеряется.
marketplace-failure-answer-window-closed = Время на ответ вышло: Ozon принимает ответы только в течение 48 часов после последнего сообщения покупателя.
marketplace-failure-chat-closed = Этот чат на маркетплейсе закрыт и больше не принимает ответов.
marketplace-failure-chat-not-found = Маркетплейс больше не знает этот чат.
marketplace-failure-file-refused = Маркетплейс не принимает этот файл: отправьте JPEG, PNG или PDF не больше 5 МБ.
marketplace-failure-text-refused = Маркетплейс принимает ответы длиной от 1 до 1000 символов. Сократите сообщение или разбейте его на части.
marketplace-failure-no-reply-sign = Wildberries ещё не выдал ключ для ответа в этот чат, поэтому ответить в нём пока нельзя. Дождитесь следующего сообщения покупателя или ответьте в кабинете продавца.
marketplace-failure-rejected = Маркетплейс отклонил запрос. Подробности — в журнале бота.
