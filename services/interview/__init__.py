"""Mock interviews: the question bank, interview sessions and answer evaluation."""
