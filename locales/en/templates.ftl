## Marketplace desk: /templates, the seller's saved replies per kind of buyer message (in the seller's group)

command-templates = Reply templates for buyer chats

templates-in-private = 💬 /templates works in your support team's group: send it there to see its reply templates.
templates-none = 💬 This group is not a seller's desk yet. An admin can send /connect to connect Ozon or Wildberries.
templates-title = 💬 <b>{ $group }</b>: reply templates
templates-intro = I suggest these answers in buyer chats, by what the buyer writes about. Pick a category to see its templates. Admins can add, edit and delete them.
templates-help =
    Placeholders: <code>{"{name}"}</code> is the buyer's name, when the marketplace shows it; <code>{"{order}"}</code> is the order number the chat is about, when there is one. <code>{"{marketplace}"}</code> is the marketplace the chat is on: Ozon or Wildberries.
    Put optional text in square brackets together with its placeholder: <code>Hello[, {"{name}"}]!</code> becomes "Hello, Anna!", or "Hello!" when the name is unknown.

templates-intent-where-is-order = 📦 Where is my order
templates-intent-return = ↩️ Returns and exchanges
templates-intent-wrong-size = 📏 Wrong size
templates-intent-defect = 🛠 Defect or damage
templates-intent-thanks = 🙏 Thanks
templates-intent-other = 💬 Anything else
templates-intent-button = { $intent } · { $count }

templates-intent-title = <b>{ $intent }</b>: { $count ->
    [0] no templates
    [one] 1 template
   *[other] { $count } templates
}
templates-intent-empty = No templates here: I won't suggest a saved answer in this category. An admin can add one.
templates-item = <b>{ $number }.</b> { $text }

templates-button-edit = ✏️ Edit { $number }
templates-button-delete = 🗑 Delete { $number }
templates-button-add = ➕ Add
templates-button-back = ⬅️ Back
templates-button-delete-yes = 🗑 Yes, delete
templates-button-delete-keep = ↩️ No, keep it

templates-delete-confirm = Delete template { $number } of <b>{ $intent }</b>?

    { $text }
templates-ask-add = ✏️ { $mention }, send the new template for <b>{ $intent }</b> as a reply to this message (up to { $limit } characters), or /cancel.
templates-ask-edit = ✏️ { $mention }, send the new text of template { $number } of <b>{ $intent }</b> as a reply to this message (up to { $limit } characters), or /cancel. Now it reads:
    <code>{ $text }</code>
templates-empty-text = ✏️ The template can't be empty. Send its text as a reply to my message, or /cancel.
templates-too-long = ✏️ That's { $length } characters: a template can have at most { $limit }. Shorten it and send it again as a reply to my message, or /cancel.
templates-reply-to-prompt = ✏️ You are writing a reply template, so this message was not sent anywhere. Reply to my message with the template's text, or send /cancel.
templates-full = This category already has { $limit } templates. Delete one before adding another.
templates-not-admin-any-more = You are not an admin of this group any more, so the template was not saved.
templates-gone = This template is not there any more. Send /templates for a fresh view.
templates-note-added = ✅ Template added by { $name }.
templates-note-edited = ✅ Template { $number } changed by { $name }.
templates-note-deleted = 🗑 Template deleted by { $name }.
templates-not-in-a-buyer-topic = This topic is a buyer's chat: what is written here goes to the buyer. Open /templates in General or in a topic of your team.
