# The marketplace desk in the seller's forum group: topics, cards, forwarded messages, notices.
desk-buyer = Buyer
desk-card-title = 🛒 { $marketplace } · buyer chat
desk-card-buyer = Buyer: { $buyer }
desk-card-order = Order: #{ ID($order) }
desk-card-product = Product / SKU: { $product }
desk-card-product-link = Product page: { $link }
desk-card-chats-link = Chats in the seller account: { $link }
desk-author-buyer = { $buyer } ({ $marketplace })
desk-author-marketplace = { $marketplace } support
desk-attachment-pending = 📎 { $count ->
    [one] An attachment
   *[other] { $count } attachments
} could not be loaded from { $marketplace } yet. It will follow here as soon as it can be.
desk-attachment-late = 📎 The attachment of this message, loaded late.
desk-credentials-refused = ⚠️ { $marketplace } refused our access, so buyer chats from { $marketplace } are paused.
    { $reason }
    A group admin can fix it with /connect; sync then resumes where it stopped, nothing is lost.
desk-rights-lost = ⚠️ I can no longer manage topics in “{ $group }”, so buyer chats from the marketplaces are paused there.
    To fix it, open the group's settings → Administrators, and make me an administrator with the “Manage topics” right. Sync resumes by itself, and nothing is lost.
desk-rights-restored = ✅ I can manage topics here again: buyer chats sync resumes, with everything that came in meanwhile.
desk-setup =
    🛒 <b>Marketplace chats</b>
    Answer Ozon and Wildberries buyers from a Telegram group: each buyer chat becomes a topic, and your team replies there.

    1. Create a group for your support team and turn on <b>Topics</b> in its settings.
    2. Add me to it as an administrator with the <b>Manage topics</b> right (the button below asks for it).
    3. Type /connect in the group. I will ask for the marketplace API keys here, in private, never in the group.

    /seller in the group shows what is connected and lets admins pause or disconnect it.
desk-button-add-to-group = ➕ Add me to a group
desk-reply-delivered = ✅ Delivered to the buyer on { $marketplace }.
desk-reply-waiting = ⏳ Not delivered to the buyer yet. { $reason }
    Later replies in this chat wait for it, in order; 🔁 tries now.
desk-reply-failed = ⚠️ { $marketplace } did not take this reply, so the buyer has not got it.
    { $reason }
desk-reply-unsendable = 🚫 { $marketplace } does not take { $kind } in buyer chats, so nothing was sent. Send text, a photo or a PDF.
desk-kind-sticker = stickers
desk-kind-voice = voice messages
desk-kind-video = videos
desk-kind-video-note = video messages
desk-kind-animation = GIFs
desk-kind-audio = audio files
desk-button-retry = 🔁 Retry
desk-reply-retrying = Sending it again…
desk-reply-retry-done = This reply has already been delivered.
desk-reply-attempts = Attempts: { $count }
desk-button-suggest = 💡 Suggest a reply
desk-suggestion-ai = 💡 Suggested reply (AI draft). Nothing goes to the buyer until you choose:
desk-suggestion-template = 💡 Template “{ $intent }”. Nothing goes to the buyer until you choose:
desk-suggestion-button-send = 📤 Send as is
desk-suggestion-button-edit = ✏️ Edit
desk-suggestion-button-another = 🔄 Another one
desk-suggestion-preparing = 💡 Preparing a suggestion…
desk-suggestion-none = 💡 I have no suggestion for this chat: add reply templates with /templates.
desk-suggestion-gone = This suggestion is no longer available.
desk-suggestion-sending = 📤 Sending it to the buyer…
desk-suggestion-sent-by = 📤 { $name } sent it to { $marketplace }: 👌 shows when the buyer has it.
desk-suggestion-edit = ✏️ { $member }, reply to this message with your version; it goes to the buyer as you write it. The suggestion, to copy:
    <code>{ $text }</code>
desk-suggestion-edit-placeholder = Your reply to the buyer
desk-reply-gave-up = ⚠️ { $marketplace } did not answer for a day, so I stopped trying and the buyer has not got this reply. 🔁 tries again.
desk-reply-partly = { $sent } of { $total } parts reached the buyer; 🔁 sends the rest.
desk-reply-edited = ✏️ { $marketplace } keeps the message as it was sent: the edit does not reach the buyer. Send the correction as a new message.
desk-kind-location = locations
desk-kind-venue = places
desk-kind-contact = contacts
desk-kind-poll = polls
desk-kind-dice = dice
desk-kind-game = games
desk-kind-story = stories
desk-suggestion-busy = 💡 A suggestion is on its way already.
desk-suggestion-replaced = This suggestion was replaced by another one: use the buttons under the newest.
desk-suggestion-closed-sent = This suggestion has already been sent to the buyer.
desk-suggestion-closed-answered = The buyer has been answered since: this suggestion is closed.
desk-suggestion-closed-replaced = A newer suggestion is below: use its buttons.
desk-reply-uncertain = ⚠️ Not sure the buyer got this reply: { $reason }
desk-reply-command = Commands are not sent to buyers. To send this text, write it without the leading “/”.
