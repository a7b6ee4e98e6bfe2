## /broadcast: composing a broadcast in the admin group, up to its confirmation

broadcast-ask-text = { $admin }, send the message for broadcast #{ ID($id) }: a text with any formatting (bold, italics, links…), or a photo with a caption. Up to 4096 characters, 1024 with a photo. /cancel to stop.
broadcast-ask-new-text = { $admin }, send the new text for broadcast #{ ID($id) }, with any formatting. { $photo ->
    [yes] It goes under the photo, so at most { $limit } characters.
   *[no] At most { $limit } characters.
} A photo with a caption replaces the photo too. /cancel to stop.
broadcast-ask-caption = 🖼 Photo saved. { $admin }, now send the text to go under it (at most { $limit } characters), or /cancel.
broadcast-ask-photo = { $admin }, send the photo for broadcast #{ ID($id) }: as a photo, or as an image file up to 10 MB. With a photo the text can be at most { $caption_limit } characters; a caption sent with it replaces the text. /cancel to stop.
broadcast-ask-button = { $admin }, send the button under broadcast #{ ID($id) } as <code>label | https://address</code>, or the label on one line and the address on the next. The label at most 64 characters. /cancel to stop.
broadcast-ask-days = { $admin }, which users haven't used the bot for how many days? Send a whole number from 1 to 3650. /cancel to stop.
broadcast-expired = This step has expired. Start again with /broadcast.
broadcast-image-refused = Telegram refused this image ({ $reason }). Nothing was changed. Send another photo, or /cancel.

broadcast-problem-empty-text = The message is empty. Send a text, or a photo with a caption. Or /cancel.
broadcast-problem-text-too-long = The text has { $length } characters; Telegram allows at most { $limit }. Nothing was changed. Send a shorter text, or /cancel.
broadcast-problem-caption-too-long = With a photo the text is its caption: at most { $limit } characters, and this one has { $length }. Nothing was changed. Send a shorter text (or remove the photo first), or /cancel.
broadcast-problem-photo-too-big = This image is { $size } MB; Telegram takes photos up to { $limit } MB. Nothing was changed. Send a smaller one, or /cancel.
broadcast-problem-not-a-photo = That is not a photo. Send a photo, or an image file (JPG, PNG…) up to 10 MB. Or /cancel.
broadcast-problem-bad-button = Send the button as <code>label | https://address</code>, or the label on one line and the address on the next. Or /cancel.
broadcast-problem-button-label-too-long = The label can have at most { $limit } characters. Send a shorter one, or /cancel.
broadcast-problem-bad-url = A button can't open <code>{ $url }</code>. Use a full address with http://, https:// or tg://, e.g. <code>https://example.com/offer</code>. Or /cancel.
broadcast-problem-bad-days = Send a whole number of days from 1 to { $limit }, or /cancel.
broadcast-problem-not-a-draft = This broadcast was already started or discarded: it can't be changed or sent again.
broadcast-problem-changed = The draft was changed after this preview. Preview it again, then send.
broadcast-problem-empty-audience = Nobody is in this audience now, so there is nobody to send to. Choose another audience.

broadcast-card-title = 📣 <b>Broadcast draft #{ ID($id) }</b>
broadcast-card-text = 📝 Text: { $length } of { $limit } characters · “{ $excerpt }”
broadcast-card-photo = 🖼 Photo: { $photo ->
    [yes] yes
   *[no] no
}
broadcast-card-button = 🔘 Button: { $label } → { $url }
broadcast-card-no-button = 🔘 Button: none
broadcast-card-audience = 👥 Audience: { $audience } · { $count ->
    [one] { $count } recipient
   *[other] { $count } recipients
}
broadcast-card-hint = 👁 Preview shows the message exactly as users will get it; nothing is sent until you confirm there.

broadcast-button-edit-text = ✏️ Edit text
broadcast-button-add-photo = 🖼 Add photo
broadcast-button-remove-photo = 🗑 Remove photo
broadcast-button-add-button = 🔘 Add button
broadcast-button-remove-button = 🗑 Remove button
broadcast-button-audience = 👥 Audience: { $audience } ({ $count })
broadcast-button-preview = 👁 Preview
broadcast-button-discard = ✖ Discard
broadcast-button-back = ◀ Back
broadcast-button-back-to-draft = ◀ Back to draft
broadcast-button-send = 📣 Send to { $count ->
    [one] { $count } user
   *[other] { $count } users
}

broadcast-audience-title = 👥 <b>Who gets broadcast #{ ID($id) }?</b> Each count is the users the bot can reach now: not blocked, and who haven't blocked the bot.
broadcast-audience-option = { $chosen ->
    [yes] ✅ { $audience } ({ $count })
   *[no] { $audience } ({ $count })
}
broadcast-audience-inactive-option = { $chosen ->
    [yes] ✅ Inactive for { $days } days ({ $count }) · change…
   *[no] 💤 Inactive for N days…
}
broadcast-audience-all = All users
broadcast-audience-language = Language: { $language }
broadcast-audience-paid = Paid at least once
broadcast-audience-never-paid = Never paid
broadcast-audience-inactive = Inactive for { $days } days

broadcast-confirm = ☝️ This is the message exactly as users will see it. It goes to { $count ->
    [one] { $count } user
   *[other] { $count } users
} ({ $audience }).
broadcast-confirm-nobody = ☝️ This is the message as users will see it, but nobody is in this audience ({ $audience }) now. Go back to the draft and choose another audience.
broadcast-preview-refused = ⚠️ Telegram refused the preview: { $reason }. Nothing was sent. Go back to the draft and change the photo or the text.
broadcast-started = ✅ Broadcast #{ ID($id) } started: { $count ->
    [one] { $count } recipient
   *[other] { $count } recipients
}.
broadcast-discarded = ✖ Draft #{ ID($id) } discarded.
