## Voice answers: a voice note, audio file or video note as the answer

voice-status-downloading = 🎧 Got your recording. Downloading…
voice-status-decoding = 🎧 Preparing the audio… (1/3)
voice-status-transcribing = ✍️ Transcribing what you said… (2/3)
voice-status-measuring = 📏 Measuring your delivery… (3/3)

voice-transcript =
    🎙 <b>Here is what I heard:</b>
    <blockquote expandable>{ $text }</blockquote>
voice-transcript-shortened = <i>The transcript is shortened here; all of it will be scored.</i>
voice-delivery =
    <b>Delivery</b>
    ⏱ Speaking time { $speaking } · { $wpm } words/min ({ $pace })
    🗣 Filler words: { $fillers } per minute ({ $top })
    ⏸ Long pauses (over 2 s): { $pauses }
    💡 { $tip }
voice-confirm = Use this text as your answer?

voice-pace-slow = slow; 130-160 is comfortable
voice-pace-comfortable = comfortable
voice-pace-fast = fast; 130-160 is comfortable

voice-tip-too-fast = You are speaking fast. Slow down and let key points land: pause briefly after each one.
voice-tip-too-slow = The pace is slow. Prepare the structure first (situation, action, result) so words come easier.
voice-tip-fillers = Many filler words. Replace "um" and "like" with a short silent pause: it sounds more confident.
voice-tip-pauses = Several long pauses. It is fine to say "let me think" once, then answer in short steps.
voice-tip-good = Good delivery: a steady pace and few fillers. Keep it up.

voice-button-use = ✅ Use it
voice-button-edit = ✏️ Edit
voice-button-again = 🎙 Record again

voice-edit-prompt =
    ✏️ Send the corrected text of your answer as one message. Here is the transcript to copy:
    <code>{ $text }</code>
voice-record-again = 🎙 OK, this recording is dropped. Send a new voice note, or type your answer.
voice-transcript-outdated = This transcript belongs to a question you have already moved past.

voice-too-long = ⏱ This recording is { $minutes } min long; answers can be up to { $limit } min. Please record a shorter answer, or type it.
voice-too-big = 📦 This file is too big for me to download (the limit is 20 MB). Please send a shorter recording, or type your answer.
voice-unavailable = ⌨️ Speech recognition is not working right now. Please type your answer, or try the voice note again in a minute.

voice-problem-empty = 🔇 The file is empty. Please record your answer again.
voice-problem-corrupt = ⚠️ I couldn't read this recording; the file seems damaged. Please record it again.
voice-problem-not-audio = ⚠️ This file is not audio I can play. Send a voice note or an audio file (ogg, mp3, m4a, wav), or type your answer.
voice-problem-too-short = ⏱ That recording is too short to be an answer. Hold the microphone button and answer the question.
voice-problem-too-long = ⏱ This recording is longer than { $limit } min. Please record a shorter answer, or type it.
voice-problem-silence = 🔇 I hear only silence. Check your microphone and record again.
voice-problem-no-speech = 🎵 I couldn't hear speech in this recording (music or noise?). Please record your answer again in a quiet place, or type it.
