# Why a marketplace refused or failed, as the seller reads it (services.marketplace.FailureReason).
marketplace-failure-credentials = The marketplace did not accept the API key: it is wrong or has been revoked. Create a new key in the seller account and connect it again.
marketplace-failure-premium-required = Ozon opens buyer chats through the API only with the Premium Plus subscription. Turn it on in the Ozon seller account, then try again.
marketplace-failure-rate-limited = The marketplace asked us to slow down. The message waits and goes out by itself in a moment.
marketplace-failure-unavailable = The marketplace is not answering right now. We will try again by ourselves; nothing is lost.
marketplace-failure-answer-window-closed = The time to answer has run out: Ozon takes replies only within 48 hours of the buyer's last message.
marketplace-failure-chat-closed = This chat is closed on the marketplace, so it takes no more replies.
marketplace-failure-chat-not-found = The marketplace does not know this chat any more.
marketplace-failure-file-refused = The marketplace does not take this file: send a JPEG, PNG or PDF of at most 5 MB.
marketplace-failure-text-refused = The marketplace did not take this text: it takes 1 to 1000 characters, and no empty messages.
marketplace-failure-no-reply-sign = Wildberries has not given us this chat's reply key yet, so we cannot answer in it. Wait for the buyer's next message or answer in the seller account.
marketplace-failure-rejected = The marketplace refused the request without a reason we know. If it repeats, check the chat in the seller account.
marketplace-failure-maybe-delivered = The connection broke while the reply was on its way, so the buyer may already have it. Check the chat in the seller account before pressing 🔁, or the buyer may get it twice.
