"""Demo coaching's phrases: topics, students' initials, notes, reflections, next steps."""

from server.coaching.models import (
    CheckInKind,
)
from server.roster.models import SchoolLevel

# (the topic, as a noun before "task" or "problem")
TOPICS = {
    SchoolLevel.elementary: [
        ("equivalent fractions", "fraction"), ("fractions on a number line", "number-line"),
        ("comparing fractions", "fraction-comparison"),
        ("multi-digit multiplication", "multiplication"),
        ("area models for multiplication", "area-model"), ("division with remainders", "division"),
        ("place value", "place-value"), ("decimal place value", "decimal"),
        ("adding fractions with unlike denominators", "fraction-addition"),
        ("perimeter and area", "area-and-perimeter"), ("measurement conversions", "measurement"),
        ("multiplication as equal groups", "equal-groups"),
    ],
    SchoolLevel.middle: [
        ("ratios and rates", "ratio"), ("proportional relationships", "proportion"),
        ("percents", "percent"), ("integer operations", "integer"),
        ("two-step equations", "equation"), ("the distributive property", "distributive-property"),
        ("surface area and volume", "volume"),
        ("probability", "probability"), ("slope as a rate of change", "slope"),
        ("the Pythagorean theorem", "Pythagorean theorem"), ("systems of equations", "systems"),
        ("scale drawings", "scale-drawing"),
    ],
    SchoolLevel.high: [
        ("linear functions", "linear-function"), ("systems of linear equations", "systems"),
        ("exponential growth", "exponential-growth"), ("factoring quadratics", "factoring"),
        ("similarity and dilations", "similarity"), ("congruence proofs", "proof"),
        ("right-triangle trigonometry", "trigonometry"), ("function notation", "function-notation"),
        ("arithmetic sequences", "sequence"), ("transformations of functions", "transformation"),
        ("completing the square", "quadratic"), ("the unit circle", "unit-circle"),
    ],
    SchoolLevel.other: [
        ("number sense", "number-sense"), ("proportional reasoning", "proportion"),
        ("linear relationships", "linear"),
    ],
}  # fmt: skip
INITIALS = [
    "J.R.", "M.T.", "A.K.", "D.L.", "S.P.", "K.W.", "L.M.", "T.B.", "E.G.", "R.S.", "N.O.",
    "C.H.", "B.F.", "I.V.", "Z.A.", "P.D.", "G.N.", "Y.C.",
]  # fmt: skip


EVIDENCE_EXAMINED = {
    CheckInKind.planning: (
        "The lesson plan for {day}'s lesson on {topic}, and the two assessment items it builds toward.",
        "Next week's task from the curriculum; we each solved it first, in as many ways as we could ({k} between us).",
        "Last cycle's final exit tickets as a baseline for this goal: {m} of {n} met the criterion.",
        "The unit plan for {topic}: where the big ideas come, and which lesson is the best one for me to visit.",
        "Pre-assessment results on {topic} ({n} students), item by item.",
    ),
    CheckInKind.debrief: (
        "My notes from the visit on {day}: {teacher}'s questions word for word, and what three tables wrote.",
        "A twenty-minute slice of {day}'s lesson that I scripted: teacher moves on one side, student responses on the other.",
        "Photos of two groups' boards from {day}, and my tally for the focus practice.",
    ),
    CheckInKind.student_work: (
        "{n} exit tickets from {day}'s lesson on {topic}, sorted into 'met with reasoning', 'answer only' and 'not yet'.",
        "Notebooks from one table group ({k} students) across the last two weeks of {topic}.",
        "Work on the {unit} task: we chose three pieces that show different strategies.",
        "Every student's written justification for the 'convince me' problem from {day}.",
    ),
    CheckInKind.data_review: (
        "The goal tracker for this cycle: {m} of {n} met the criterion this week, against {base}% at the start.",
        "Item analysis of the quiz on {topic}, by standard, next to the exit-ticket trend.",
        "The district interim results for the class, and our exit tickets from the same weeks.",
        "{weeks} weeks of exit tickets on {topic}, charted by table group.",
    ),
    CheckInKind.co_teaching: (
        "We co-taught the launch of {day}'s lesson on {topic}: I modelled the first think-pair-share, {teacher} led the second.",
        "I led a number talk while {teacher} scripted what students said; we read the script together afterwards.",
        "We split the class for the {unit} task: {teacher} took the group that needed more ways in, I took the rest.",
    ),
    CheckInKind.other: (
        "A short check-in between periods: the seating chart and next week's groups.",
        "Planning for family math night: which student work goes on the wall.",
        "The new pacing calendar for {topic}: what to trim so the cycle's lessons still fit.",
    ),
}
LINKED_DEBRIEF = (
    "The observation on {obs_day}: the scores for the focus practice, my time-stamped notes and the talk tally.",
    "The observation on {obs_day}, especially the evidence I wrote for the focus practice, and photos of two groups' boards.",
    "The observation on {obs_day}; we read the running notes together before looking at any scores.",
)
NOTICED = (
    "Most students got the right answer on {topic}, but far fewer could say why it works ({m} of {n}).",
    "Students who drew a model were much more likely to get the second problem right.",
    "{ini} and {ini2} used completely different strategies and both were correct; the class never got to hear that.",
    "The launch ran long; by the time work started, {k} groups were unsure what the question was asking.",
    "Errors clustered around one misconception, which is good news: one lesson can address it.",
    "Students are more willing to share a wrong answer than they were in the fall.",
    "The closing was cut short again. It's where the learning gets named, and it keeps getting squeezed.",
    "The students at the back table did the least talking and the most copying.",
)
WILL_TRY = (
    "Plan the closing first and protect the last eight minutes for it.",
    "Start {day} with the misconception as a 'my friend says...' problem and let the class argue it out.",
    "Choose two pieces of student work the night before and sequence them for the share, the concrete one first.",
    "Regroup the tables so each has at least one student who tends to draw a model.",
    "Use the same task structure again so students can focus on the thinking, not the routine.",
)
LOOK_FOR = (
    "Whether the students who were quiet this week ({ini}, {ini2}) get into the discussion.",
    "How many exit tickets meet the criterion, compared with this week's {m} of {n}.",
    "What happens in the closing, if it survives the clock.",
    "Whether the misconception comes back on the next exit ticket.",
)
STUDENT_WORK = (
    "{ini}: area model, correct, explained. {ini2}: right answer, no work shown. {ini3}: repeated addition, one slip, clear reasoning.",
    "{m} of {n} drew a model; about half of those wrote a sentence about what the model shows.",
    "Kept three samples for the next share: a diagram, a table and an equation for the same problem.",
    "Two students wrote 'I just know'. Worth asking them what they know.",
    "{ini3}'s work shows the misconception clearly; we'll use it (anonymously) as a 'my friend says' problem.",
)
NOTES = (
    "Met in {teacher}'s room during their planning period.",
    "Short meeting (fifteen minutes): parent conferences this week.",
    "{teacher} wants to try this with their other section too.",
    "A fire drill took the first ten minutes; we'll come back to the student work next time.",
    "Talked briefly about the new pacing guide; not part of the cycle.",
    "{teacher} mentioned the class has been unsettled since the schedule change.",
    "Good energy today. {teacher} brought the student work without being asked.",
    "Next week's meeting moves to the afternoon: assembly in the morning.",
)
BEFORE_BREAK = (
    "Last meeting before the {holiday}. We'll pick up the tracker again in the first week back."
)
AFTER_BREAK = "First meeting after the {holiday}; spent a few minutes on where the class is after the time off."
TESTING_NOTE = "Testing window: the meeting was short and mostly about keeping the routines going."
BEFORE_LEAVE = (
    "Last meeting before {teacher}'s leave. Agreed to close this cycle and start fresh on return."
)
AFTER_LEAVE = "Welcome back! First meeting since {teacher}'s leave: a gentle restart, looked at where the class is."
HANDOVER_IN = "First meeting together. Read through the fall goals {teacher} worked on with {old_coach}; agreed to keep a similar focus for now."
HANDOVER_OUT = "Last meeting before I move to {new_school}. {successor} picks up from here in January; {teacher} will bring this cycle's summary to their first meeting."
TEACHER_STEPS = (
    "Sort Friday's exit tickets into three piles before we meet",
    "Bring three pieces of student work to next week's meeting",
    "Protect the last eight minutes for the closing on two days this week",
    "Ask {ini} and {ini2} to share first on {day}",
    "Try the revised launch with period {period} and note what changes",
    "Look at the next unit's tasks and pick one for us to plan together",
)
COACH_STEPS = (
    "Find a second task on {topic} with several entry points",
    "Visit for the first twenty minutes of {day}'s lesson",
    "Update the goal tracker with this week's exit tickets",
    "Bring copies of the grade-level team's anchor charts",
    "Cover the launch on {day} so {teacher} can watch the groups",
    "Send the short article on this practice we talked about",
)
REFLECTIONS = (
    "Honestly, I was surprised how few of them could explain an answer they got right. That's what I want to work on.",
    "Waiting after a question felt really long, but the answers after the pause were better.",
    "I liked looking at the work together instead of grading it alone on Sunday night.",
    "Seeing the launch modelled helped me understand what 'launch without giving it away' looks like.",
    "I didn't notice how often I rescue them. Going to try harder to hold back this week.",
    "The sorting took less time than I thought, and the small group the next day actually worked.",
    "I'm not sure the new routine is working yet with my third period; can we look at that class next time?",
    "It was good to hear that the quiet kids were talking in their groups, even if not in the share.",
    "This was a tough week with the schedule changes, but I tried the questions and two kids surprised me.",
    "I want to keep the number talks going even after this cycle ends.",
)
PROGRESS_MET = (
    "Goal met: {final}% against a target of {pct}% (from {base}%). The move that stuck: {change}. We want to keep it going while we shift focus.",
    "From {base}% to {final}% of students meeting the criterion in {weeks} weeks, past the {pct}% we aimed for. What made the difference: {change}. Next: {next}.",
)
PROGRESS_PARTLY = (
    "Partly met: {final}% against a target of {pct}% (we started at {base}%). {change_cap} helped most with students who already talk; the quieter third of the class hasn't moved yet.",
    "From {base}% to {final}% of students meeting the criterion over {weeks} weeks; short of {pct}%, but a real shift. What made the difference: {change}. Next: {next}.",
)
PROGRESS_NOT_YET = (
    "Not met yet ({final}% against {pct}%; {base}% at the start), but the trend has been up every week since we started {change}. We'll carry the goal into the next cycle.",
    "Slow going: {final}% (from {base}%, target {pct}%). The unit changed halfway and the routine got lost; {change} is still worth another try.",
)
TEACHER_PROGRESS = (
    "I started this cycle thinking my students couldn't explain their thinking. {final}% of them did on the last exit ticket (it was {base}% in the first week). What's staying in my teaching: {change}.",
    "We got to {final}% (the goal was {pct}%). What I'll keep: {change}. What I'd still like help with: {next}.",
)
INTERIM = "Halfway: {mid}% on this week's exit tickets (from {base}%). Working on {change}."
CUT_SHORT = "Closed early: {reason}. Up to then, {final}% met the criterion (from {base}%)."
NEXT_STEPS = (
    "keep the same goal with the next unit",
    "the students who still don't share in the whole class",
    "make it part of every lesson, not just the ones we plan together",
    "try the same routine with the other section",
)
