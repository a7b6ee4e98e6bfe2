## Marketplace desk: /connect (checked in the seller's forum group, continued in private) and /seller

command-connect = Connect Ozon or Wildberries to this group
command-seller = This group's marketplaces


seller-button-open-private = 🔐 Continue in private
seller-button-cancel = ✖️ Cancel
seller-button-retry = 🔄 Start over
seller-button-pause = ⏸ Pause { $marketplace }
seller-button-resume = ▶️ Resume { $marketplace }
seller-button-disconnect = 🔌 Disconnect { $marketplace }
seller-button-disconnect-yes = 🔌 Yes, disconnect
seller-button-disconnect-keep = ↩️ No, keep it

# /connect in the group: what must change before it works
seller-connect-in-private =
    🔌 /connect works in your support team's group, not here:
    1. Create a Telegram group and turn on Topics in its settings (it becomes a forum).
    2. Add me to it as an administrator with the right to manage topics.
    3. Send /connect in that group. I'll continue with you here, in private.
seller-connect-not-forum = 🔌 This group has no topics. Each buyer chat gets its own topic, so turn on Topics in the group's settings (Edit → Topics), then send /connect again.
seller-connect-anonymous = 🔌 You are writing as the group (anonymously), so I can't tell who you are. Turn off "Remain anonymous" in your admin rights, or ask another admin, then send /connect again.
seller-connect-caller-not-admin = 🔌 Only the group's admins can connect marketplaces. Ask an admin to send /connect.
seller-connect-bot-not-admin = 🔌 I need to be an administrator here: open the group's settings → Administrators → Add administrator, pick me, keep "Manage topics" on, then send /connect again.
seller-connect-bot-no-topics = 🔌 I'm an administrator but can't manage topics. Open the group's settings → Administrators → me, turn on "Manage topics", then send /connect again.
seller-connect-continue-private = 🔐 I've written to you in private: API keys are never typed in a group. If my message isn't there, press the button.
seller-connect-open-private = 🔐 API keys are never typed in a group: press the button to continue in a private chat with me.

# /connect in private
seller-connect-choose = 🔌 Which marketplace shall I connect to <b>{ $group }</b>?
seller-connect-link-unknown = This link is no longer valid. Send /connect in your group again.
seller-connect-not-admin-any-more = 🔒 You are not an admin of <b>{ $group }</b> any more, so you can't connect marketplaces to it. Ask an admin of the group to send /connect.
seller-connect-ask-client-id =
    <b>Ozon</b> for <b>{ $group }</b>, step 1 of 2.
    Send your <b>Client-Id</b>: in the Ozon seller account open Settings → Seller API. It is a number.
seller-connect-ask-api-key =
    Step 2 of 2: send the <b>API key</b> (Settings → Seller API → Generate key, with access to chats).
    I delete your message as soon as I've read it, and keep the key encrypted.
seller-connect-ask-token =
    <b>Wildberries</b> for <b>{ $group }</b>.
    Send an API <b>token</b>: in the Wildberries seller account open Settings → API access → Create token, with the "Buyers' chat" category.
    I delete your message as soon as I've read it, and keep the token encrypted.
seller-connect-malformed-client-id = That isn't a Client-Id: it is a number of up to 20 digits (Settings → Seller API). Send it again.
seller-connect-malformed-api-key = That doesn't look like an API key: a key is one piece of text without spaces. Copy it again from Settings → Seller API and send it.
seller-connect-malformed-token = That doesn't look like a token: a token is one piece of text without spaces. Copy it again from Settings → API access and send it.
seller-connect-checking = ⏳ Checking with { $marketplace }…
seller-connect-refused = ❌ { $marketplace } is not connected: nothing was saved.
seller-connect-try-later = { $marketplace } is not answering right now, so I couldn't check the key. Try again in a few minutes.
seller-connect-send-again = { $marketplace ->
    [ozon] Send the API key again, or press Start over to change the Client-Id too.
   *[wb] Send the token again, or press Cancel.
}
seller-connect-done = ✅ { $marketplace } is connected to <b>{ $group }</b>. Buyer chats will appear there as topics. Send /seller in the group to pause or disconnect it.
seller-connect-done-resumed = ✅ { $marketplace } is connected to <b>{ $group }</b> again with the new key: sync resumes. Send /seller in the group to see it.
seller-connect-cancelled = ✖️ Cancelled: nothing was saved.

# Posted in the seller's group
seller-connect-group-connected = ✅ { $marketplace } is connected (by { $name }). Buyer chats will appear here as topics.
seller-connect-group-resumed = ✅ { $marketplace } is connected again (by { $name }): sync resumes.

# /seller
seller-status-in-private = 🏪 /seller works in your support team's group: send it there to see its marketplaces.
seller-status-none = 🏪 No marketplace is connected to this group yet. An admin can send /connect to connect Ozon or Wildberries.
seller-status-title = 🏪 <b>{ $group }</b>: marketplaces
seller-status-rights-lost = ⚠️ Sync is paused: I can't manage this group's topics. Make me an administrator with "Manage topics" again.
seller-status-nothing-connected = Nothing is connected. An admin can send /connect.
seller-status-account = <b>{ $marketplace }</b>: { $state }
seller-status-syncing = 🟢 syncing
seller-status-paused = ⏸ paused
seller-status-refused = ⛔ stopped until the key is replaced with /connect
seller-status-last-sync = Last sync: { $time }
seller-status-never-synced = Last sync: not yet
seller-status-last-error = Last error ({ $time }): { $error }
seller-status-timezone = Times are in { $timezone }.
seller-disconnect-confirm = Disconnect <b>{ $marketplace }</b> from <b>{ $group }</b>? Its key is forgotten and its buyer chats stop coming here; the topics stay. You can connect it again with /connect.
seller-note-paused = ⏸ { $marketplace } paused by { $name }.
seller-note-resumed = ▶️ { $marketplace } resumed by { $name }.
seller-note-disconnected = 🔌 { $marketplace } disconnected by { $name }.
seller-admins-only = Only the group's admins can change this.
seller-account-gone = This account is not connected any more. Send /seller for a fresh view.

# /seller: how reply suggestions work in buyer topics
seller-status-replies = 💡 Suggestions: { $suggest ->
    [on] by themselves, when buyers write
   *[off] on request (💡 under buyer messages)
}. Tone of AI drafts: { $tone }.
seller-tone-friendly = friendly
seller-tone-formal = formal
seller-tone-brief = brief
seller-button-auto-suggest = 💡 Auto suggestions: { $suggest ->
    [on] on
   *[off] off
}
seller-button-tone = 🗣 Tone: { $tone }
seller-note-auto-suggest = 💡 { $suggest ->
    [on] Auto suggestions turned on
   *[off] Auto suggestions turned off
} by { $name }.
seller-note-tone = 🗣 Tone set to { $tone } by { $name }.
