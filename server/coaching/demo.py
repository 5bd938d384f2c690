"""Demo coaching: last school year and this one, week by week, for every demo pair.

Each pair meets weekly on its own day, in six-week-ish cycles focused on an NCTM practice
or an IQA dimension, with a measurable goal for student learning. The calendar has gaps:
Thanksgiving week, the winter and spring breaks, the summer, a few missed weeks (more in
the May testing window); one teacher is on leave for six weeks last spring; one coach moved
schools over last year's winter break (see server/roster/demo.py: the assignments say who
coached whom when). Check-ins after one of the coach's demo observations of the teacher
are debriefs linked to it. Commitments are done, dropped, or still open (carried over,
some overdue); some teachers reflect, some share a cycle's summary with their principal.
Relative to `today`: nothing is dated today or later except planned cycles.

Rows are inserted directly, not through `service.apply_coaching_operation` (which would take
ten seconds or more for these thousands of writes, and the browser tests load the demo
often). So every row is first validated with the write path's own models (CycleCreate,
CycleUpdate, CheckInCreate, CommitmentCreate, CommitmentUpdate, AddCheckInReflection) and
built to its rules (the teacher in the coach's caseload on the cycle's start and on each
check-in's date, only the coach's own observations of that teacher linked, a commitment
made at a check-in of its cycle). Each row gets the version and field_versions its history
of writes would have given it, and the sync change log gets one row per write, in the
order they happened, as `service._log_change` writes them: sync pull delivers them.
"""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, col, select

from server.accounts.models import Membership, Role, User
from server.coaching.focus import focus_label
from server.coaching.models import (
    CheckIn,
    CheckInCreate,
    CheckInKind,
    CheckInReflection,
    CoachingCycle,
    Commitment,
    CommitmentCreate,
    CommitmentOwner,
    CommitmentStatus,
    CommitmentUpdate,
    CycleCreate,
    CycleStatus,
    CycleUpdate,
)
from server.coaching.operations import AddCheckInReflection
from server.coaching.writes import reflection_field
from server.observations.models import Observation
from server.roster.demo import school_resumes
from server.roster.models import CoachAssignment, School, SchoolLevel, SchoolYear, Teacher
from server.sync.changes import lock_change_sequence
from server.sync.models import SyncChange

SEED = 1989  # NCTM's Curriculum and Evaluation Standards
LEAVE_TEACHER = "Hana Sato"  # on leave for six weeks from early February last year
LEAVE_WEEKS = 6
CYCLE_WEEKS = [6, 6, 6, 5, 5, 7, 7, 4, 8]  # school weeks of meetings per cycle

# --- What pairs talk about -------------------------------------------------------------------

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


@dataclass(frozen=True)
class Focus:
    """A focus a cycle may take, with what coaches say about it. Templates use the keys of
    `_context`."""

    rubric_id: str
    dimension_id: str
    goals: tuple[str, ...]
    evidence_plans: tuple[str, ...]
    noticed: tuple[str, ...]
    will_try: tuple[str, ...]
    look_for: tuple[str, ...]
    teacher_steps: tuple[str, ...]
    coach_steps: tuple[str, ...]
    changes: tuple[str, ...]  # what made the difference, for the summary


NCTM, IQA = "nctm-practices", "iqa-math"
FOCI = [
    Focus(
        NCTM, "goals",
        goals=(
            "By {end}, at least {pct}% of students will explain in writing how the day's work on {topic} connects to the learning goal, up from about {base}% on the first exit ticket.",
            "At least {pct}% of exit tickets on {topic} will meet the posted success criterion (a correct answer and a reason) by {end}.",
            "By the end of the cycle, {pct}% of students can tell a visitor what they are learning about {topic} and why it matters, not just what they are doing.",
        ),
        evidence_plans=(
            "Exit tickets twice a week scored against the success criterion; five students asked 'what are we learning today?' halfway through one lesson a week.",
            "Closing quick-writes from two lessons a week, sorted into 'names the math', 'names the activity' and 'blank'.",
        ),
        noticed=(
            "The goal on the board described the activity ('finish the practice sheet') rather than the math; when I asked, {k} students could say what they were learning.",
            "Students who could state the goal were the same ones whose exit tickets showed a model. The goal seems to be doing real work for them.",
            "The goal came up at the launch and never again; in the closing, students described what they did, not what they learned.",
            "{ini} explained the goal to a partner as 'we're finding out why it works, not just doing it'. That's the language we were hoping for.",
        ),
        will_try=(
            "Rewrite {day}'s goal as a pair: 'we are learning...' and 'you'll know you've got it when...', and come back to it before the closing.",
            "Pause halfway through the work time and ask two students to connect what their group is doing to the goal.",
            "Use the goal as the closing prompt: 'What do you understand now about {topic} that you didn't at the start?'",
        ),
        look_for=(
            "How many students name the math, not the activity, when asked mid-lesson.",
            "Whether the closing quick-writes use the goal's vocabulary.",
            "Exit-ticket results against the criterion, table by table.",
        ),
        teacher_steps=(
            "Write the success criteria for the next three lessons on {topic}",
            "Ask three students mid-lesson what they're learning and jot down their answers",
            "Return to the goal before the closing on at least two days",
        ),
        coach_steps=(
            "Draft goal and success-criteria pairs for the rest of the unit for us to edit together",
            "Ask five students 'what are you learning?' during my visit on {day}",
        ),
        changes=(
            "writing each goal as the math to be understood rather than the task to finish",
            "coming back to the goal in the middle of the lesson, not only at the start",
        ),
    ),
    Focus(
        NCTM, "tasks",
        goals=(
            "By {end}, {pct}% of students will make a start on a multi-step {unit} problem without help in the first five minutes, and at least half will try a second strategy.",
            "At least {pct}% of students will justify their solution to the weekly {unit} task with words, a diagram or an equation by {end} (baseline {base}%).",
            "By {end}, {pct}% of students' written solutions to open {unit} tasks will show a complete line of reasoning, scored 2 on our 0-2 check.",
        ),
        evidence_plans=(
            "A tally of who starts on their own in the first five minutes of the weekly task; written solutions scored 0-2 for reasoning.",
            "The weekly task's written work, scored with the 0-2 reasoning check, plus photos of three groups' boards.",
        ),
        noticed=(
            "The task had a lot of potential, but the worked example at the launch showed one way to do it and almost every group copied it.",
            "When the task had no numbers given, {k} groups stalled; the ones that drew a picture first got going quickly.",
            "{ini}'s group found two solutions and argued about which was right; that argument was the best math of the lesson.",
            "Students treated the task as a worksheet: answer, next question, answer. Nobody went back to check whether an answer made sense.",
        ),
        will_try=(
            "Launch the {unit} task with a notice-and-wonder on the context, and hold back any worked example.",
            "Give the task with the question covered first and let students predict what might be asked.",
            "Ask each group to find a second way before anyone shares; the second way goes on the board, not the first.",
        ),
        look_for=(
            "How long it takes each group to get started, and what they do first.",
            "How many different strategies show up on the boards.",
            "Whether groups check their answer against the context before calling it done.",
        ),
        teacher_steps=(
            "Rewrite next week's {unit} problem so it has more than one way in",
            "Do the task yourself in two different ways before teaching it",
            "Try the covered-question launch with one class and note what changes",
        ),
        coach_steps=(
            "Find two open tasks on {topic} from the task bank with several entry points",
            "Bring the task-analysis sheet for us to rate next week's task together",
        ),
        changes=(
            "launching tasks without a worked example",
            "asking for a second strategy before any sharing",
        ),
    ),
    Focus(
        NCTM, "representations",
        goals=(
            "By {end}, {pct}% of students will use two representations (a table, a graph, a diagram or an equation) for the same {unit} problem and say how they match.",
            "At least {pct}% of students will choose a representation for {unit} problems on their own, without being told which one to use, by {end}.",
            "By the end of the cycle, {pct}% of students can move from a visual model of {topic} to the symbolic form and explain the link (from about {base}% now).",
        ),
        evidence_plans=(
            "Exit tickets that ask for a second representation, scored for whether the two match and are connected in words.",
            "Notebook checks of one table group each week: which representations students chose unprompted.",
        ),
        noticed=(
            "Most students drew the model because the directions said to, then solved the problem a different way; the model and the answer weren't connected.",
            "{ini} used a double number line without being asked and it made the relationship obvious to the table. Nobody else saw it.",
            "Students could read the table and the graph, but when I asked 'where is the 3 in the graph?', {k} of them couldn't find it.",
            "The equation came first and the picture was decoration. When {teacher} reversed the order on {day}, more students could explain the equation.",
        ),
        will_try=(
            "Share two representations side by side and ask 'where do you see the same thing in both?'",
            "Start the lesson on {topic} with the picture only, and let students write the equation from it.",
            "Put a representation menu on the table (table, graph, diagram, equation) and ask students to pick two.",
        ),
        look_for=(
            "Whether students can point to the same quantity in two representations.",
            "Which representations students pick when nobody tells them.",
            "How many exit tickets connect the model to the answer in words.",
        ),
        teacher_steps=(
            "Choose two student representations to show side by side on {day}",
            "Add 'show it another way' to the exit ticket this week",
            "Try the picture-first launch with the lesson on {topic}",
        ),
        coach_steps=(
            "Make the representation menu cards for the tables",
            "Collect examples of double number lines from the other grade team",
        ),
        changes=(
            "asking students to connect two representations out loud",
            "starting from the picture and building the equation from it",
        ),
    ),
    Focus(
        NCTM, "discourse",
        goals=(
            "By {end}, at least {pct}% of students will speak to the whole class about their reasoning at least once a week during discussions of {topic}.",
            "In whole-class discussions of {topic}, students will respond to each other's ideas (agree, disagree, add on) in at least {pct}% of talk turns by {end}, up from about {base}%.",
            "By {end}, {pct}% of students will be able to restate a classmate's strategy for a problem on {topic} in their own words.",
        ),
        evidence_plans=(
            "A talk-turn tally for twelve minutes of one discussion a week: teacher, student to teacher, student to student.",
            "A seating-chart map of who speaks in the whole-class share, twice a week.",
        ),
        noticed=(
            "The share was mostly students reporting answers to {teacher}; there were only {k} student-to-student exchanges in twelve minutes.",
            "When {teacher} asked 'who can say that in their own words?', {ini} restated {ini2}'s strategy almost exactly. The class was listening.",
            "Partner talk was lively, but the whole-class discussion was carried by the same four students.",
            "The sentence stems on the table tents got used in two groups; the others never looked at them.",
        ),
        will_try=(
            "Plan the share: pick two contrasting strategies during work time and decide who goes first.",
            "After each student shares, ask the class to turn and talk about whether they agree before anyone answers {teacher}.",
            "Use 'who can restate what {ini} said?' at least three times in the discussion.",
        ),
        look_for=(
            "How many talk turns go student to student.",
            "Whether the quiet students ({ini}, {ini2}) speak in the whole-class share.",
            "Whether students name each other's ideas ('I agree with...') without a prompt.",
        ),
        teacher_steps=(
            "Pick two strategies to share in a planned order on {day}",
            "Ask for a restatement before responding yourself, three times a lesson",
            "Move to the side of the room during the share so students talk to each other",
        ),
        coach_steps=(
            "Keep the talk-turn tally during the share on {day}",
            "Print the sentence stems as table tents for every group",
        ),
        changes=(
            "planning who shares and in what order",
            "asking for restatements before responding",
        ),
    ),
    Focus(
        NCTM, "questions",
        goals=(
            "By {end}, {pct}% of students will answer 'how do you know?' about a problem on {topic} with a reason rather than a repeat of the steps.",
            "At least {pct}% of students' exit-ticket explanations on {topic} will name why a strategy works, not only what they did (baseline {base}%).",
            "By the end of the cycle, {pct}% of students will ask a question of their own about a classmate's strategy during the share on {topic}.",
        ),
        evidence_plans=(
            "Scripted teacher questions for fifteen minutes of one lesson a week, sorted by purpose; exit-ticket 'why' answers scored 0-2.",
            "A tally of student answers to 'how do you know?': reason, steps only, or no answer.",
        ),
        noticed=(
            "Most of {teacher}'s questions during the launch were answer-getting ('what's 3 times 4?'); the two 'why' questions got the longest student answers of the lesson.",
            "When {teacher} asked 'how do you know?', {n} students answered by repeating their steps; only {m} gave a reason.",
            "Wait time after the quick questions was about a second; after the open ones {teacher} waited longer and more hands went up.",
            "{ini} answered 'because the pieces have to be the same size' to a why-question: the first unprompted reason from that table this cycle.",
        ),
        will_try=(
            "Script two 'why' questions and one 'what if' question for the launch of the lesson on {topic} and put them on a sticky note.",
            "Count to five silently after every open question before calling on anyone.",
            "When a student gives an answer, ask the class 'how could we check that?' instead of confirming it.",
        ),
        look_for=(
            "The mix of question types in the first fifteen minutes.",
            "Whether students' answers to 'how do you know?' include a reason.",
            "How many different students answer the open questions.",
        ),
        teacher_steps=(
            "Try two 'why' questions in the launch",
            "Script the key questions for {day}'s lesson on a sticky note",
            "Wait five seconds after each open question, all week",
        ),
        coach_steps=(
            "Script {teacher}'s questions during the first fifteen minutes on {day}",
            "Bring the question-stem card from the PD day",
        ),
        changes=(
            "planning two 'why' questions for every launch",
            "longer wait time after open questions",
        ),
    ),
    Focus(
        NCTM, "fluency",
        goals=(
            "By {end}, {pct}% of students will solve {unit} problems accurately and explain the procedure with a model, up from {base}% who can do both now.",
            "At least {pct}% of students will pick an efficient strategy for {unit} problems and say why it is efficient on the end-of-cycle check.",
            "By {end}, {pct}% of students can connect the steps of the procedure for {topic} to the visual model we built it from.",
        ),
        evidence_plans=(
            "A short fluency check every Friday (accuracy and strategy), plus one 'explain the step' item scored 0-2.",
            "Exit tickets pairing a procedure item with 'show why this step works', scored separately.",
        ),
        noticed=(
            "Accuracy on the procedure is high ({hi} of {n}), but when asked why the step works, most students said 'that's the rule'.",
            "Students who still draw the model are slower, but they catch their own errors; the students who skipped it made the same mistake all the way down.",
            "The number talk on {day} brought out {k} different strategies; students using the standard procedure couldn't explain it as well as the others explained theirs.",
            "{ini} invented a shortcut and could explain it from the area model. Worth sharing with the whole class.",
        ),
        will_try=(
            "Run a short number talk three times a week before the lesson, recording strategies on the board.",
            "Ask students to explain one step of the procedure for {topic} with the model before practising it.",
            "Compare two strategies for the same problem and ask which is more efficient here, and why.",
        ),
        look_for=(
            "Whether students can explain a step of the procedure with the model.",
            "Which strategies students choose on the fluency check.",
            "Accuracy and strategy together, not just accuracy.",
        ),
        teacher_steps=(
            "Run number talks on Monday, Wednesday and Friday",
            "Add a 'why does this step work?' item to Friday's check",
            "Record strategy names on the anchor chart as students invent them",
        ),
        coach_steps=(
            "Model a number talk with the class on {day}",
            "Sort Friday's fluency check by strategy, not only by score",
        ),
        changes=(
            "short number talks before the lesson",
            "asking for the 'why' of a step before practice",
        ),
    ),
    Focus(
        NCTM, "productive-struggle",
        goals=(
            "By {end}, {pct}% of students will keep working on a challenging {unit} problem for at least five minutes before asking for help, and name what they tried.",
            "At least {pct}% of students will try a second approach when the first one fails on {unit} tasks (work-time tally), up from about {base}%.",
            "By the end of the cycle, {pct}% of students will describe a mistake they made on a problem about {topic} and what they learned from it in their reflection log.",
        ),
        evidence_plans=(
            "A work-time tally of hands up in the first five minutes and of second attempts; reflection-log entries once a week.",
            "Photos of crossed-out work (kept, not erased) and a weekly reflection prompt about a mistake.",
        ),
        noticed=(
            "Hands went up within a minute of starting; {teacher} went to each one and, with the best intentions, did the first step for them.",
            "When {teacher} answered a question with a question ('what have you tried?'), {ini} went back and found the answer.",
            "Students erase their first attempts, so there's no record of their thinking. The crossed-out work would be the interesting part.",
            "The students who struggled longest on {day} were the ones who explained best in the closing.",
        ),
        will_try=(
            "Give three minutes of silent start before any help, and answer early hands with 'what have you tried so far?'",
            "Ban erasers for the {unit} task: cross out, keep going, so we can see the thinking.",
            "Celebrate one mistake in the closing: what it tells us and how the student got past it.",
        ),
        look_for=(
            "How long students work before the first hand goes up.",
            "How many students try a second approach.",
            "What {teacher} says to students who are stuck.",
        ),
        teacher_steps=(
            "Try the three-minute silent start in every lesson this week",
            "Answer the first hands with 'what have you tried?'",
            "Pick one mistake to celebrate in the closing on {day}",
        ),
        coach_steps=(
            "Tally hands-up times during work time on {day}",
            "Write out a list of 'stuck' questions for {teacher} to keep on the clipboard",
        ),
        changes=(
            "a few minutes of silent start before any help",
            "answering 'I'm stuck' with a question",
        ),
    ),
    Focus(
        NCTM, "evidence",
        goals=(
            "By {end}, {pct}% of students will show their thinking on exit tickets about {topic} in a way we can act on (a model, a reason or a question).",
            "At least {pct}% of students who miss the exit ticket on {topic} will meet the criterion after the next day's small group, by {end}.",
            "By the end of the cycle, {pct}% of students will use feedback on their work on {topic} to revise it within two days.",
        ),
        evidence_plans=(
            "Exit tickets sorted every day into 'got it', 'almost' and 'not yet', with the next day's small groups listed.",
            "Revised work compared with the first attempt, for one problem a week.",
        ),
        noticed=(
            "{teacher} collects exit tickets every day but grades them at the weekend, so they don't change the next lesson.",
            "Sorting the exit tickets took us six minutes and showed one misconception behind most of the 'not yet' pile.",
            "During work time {teacher} walked around checking answers; the students with wrong answers got 'check it again' but nothing about what was wrong.",
            "{ini} had the right idea and a wrong answer, {ini2} a right answer and no idea. The exit ticket scored them the other way round.",
        ),
        will_try=(
            "Sort exit tickets into three piles the same afternoon and plan a ten-minute small group for the 'not yet' pile.",
            "Carry a clipboard with the class list during work time and note one thing per student.",
            "Start {day}'s lesson with an anonymous exit-ticket answer and ask the class what the student understood.",
        ),
        look_for=(
            "Whether the next day's lesson changes because of the exit tickets.",
            "What {teacher} notes on the clipboard, and how it's used.",
            "How the 'not yet' students do after the small group.",
        ),
        teacher_steps=(
            "Sort exit tickets into three piles the same day, all week",
            "Run a ten-minute small group for the 'not yet' pile on {day}",
            "Use the clipboard during work time and bring it next week",
        ),
        coach_steps=(
            "Make the three-pile sorting mat and a small-group planning sheet",
            "Sit with {teacher} to sort Tuesday's exit tickets",
        ),
        changes=(
            "sorting exit tickets the same day and acting on them the next",
            "small groups planned from the 'not yet' pile",
        ),
    ),
    Focus(
        IQA, "task-implementation",
        goals=(
            "By {end}, {pct}% of students will work on the high-level {unit} task as designed (explaining and connecting) rather than on a shortcut the class found.",
            "At least {pct}% of students' written work on the weekly {unit} task will show a strategy and an explanation, scored 3 or 4 on the implementation guide, by {end}.",
        ),
        evidence_plans=(
            "Written work from the weekly task scored with the IQA implementation levels, with the lesson's timeline noted.",
            "Our rating of the task before the lesson next to a rating of what students actually did.",
        ),
        noticed=(
            "The task was rated a 4 on paper, but after {teacher} showed the steps at the board it became a 2: students followed the procedure.",
            "Groups that got a hint in the first ten minutes did the same thing as each other; the ones left alone produced the interesting work.",
            "Time ran out before the explanation part, which is where the cognitive demand was.",
            "{ini}'s group kept the task hard for themselves by refusing the shortcut another group found. Worth naming why.",
        ),
        will_try=(
            "Plan the hints in advance, as questions that keep the thinking with the students.",
            "Start the task with the explanation question visible, so it isn't an add-on at the end.",
            "Set a timer for work time and protect it, cutting the warm-up instead.",
        ),
        look_for=(
            "The point in the lesson where the task's demand drops, if it does.",
            "How hints are given, and what students do right after one.",
            "How much of the written work includes the explanation.",
        ),
        teacher_steps=(
            "Write three hint questions for the {unit} task before the lesson",
            "Cut the warm-up to five minutes so the task gets twenty-five",
            "Rate next week's task with the implementation guide before we meet",
        ),
        coach_steps=(
            "Rate the task with {teacher} before the lesson and again after",
            "Time each part of the lesson during my visit on {day}",
        ),
        changes=(
            "planning hints as questions in advance",
            "protecting work time for the explanation part of the task",
        ),
    ),
    Focus(
        IQA, "student-linking",
        goals=(
            "By {end}, in {pct}% of the whole-class shares on {topic}, at least one student will link their idea to another student's by name.",
            "At least {pct}% of students will use a talk move ('I agree with ... because', 'building on ...') in the discussion of {topic} by {end} (baseline {base}%).",
        ),
        evidence_plans=(
            "A tally of student contributions that link to another student's idea, in one discussion a week.",
            "Recordings (audio only) of two shares a week, coded for links between students' ideas.",
        ),
        noticed=(
            "Students share one after another, but each starts from scratch; nobody refers to what was said before.",
            "{ini} said 'mine is like {ini2}'s but I used a table'. The only link between students in the discussion.",
            "The talk-move poster is up, but the moves are used when {teacher} asks for them, not on their own.",
            "When {teacher} paused and asked 'how is this like what we saw before?', {k} hands went up.",
        ),
        will_try=(
            "After the second share, ask 'how is this the same as, or different from, the first one?'",
            "Teach one talk move a week and ask for it by name.",
            "Put the first strategy on the board and leave it there, so later sharers can point to it.",
        ),
        look_for=(
            "How many contributions refer to another student's idea.",
            "Whether students use the week's talk move without a prompt.",
            "Who makes the links: the same students, or new ones?",
        ),
        teacher_steps=(
            "Ask 'how is this like the first strategy?' after every second share",
            "Introduce the 'building on' talk move on {day}",
        ),
        coach_steps=(
            "Tally the links between students' ideas during the share on {day}",
            "Make the talk-move bookmarks for each student",
        ),
        changes=(
            "comparing strategies out loud after each share",
            "teaching one talk move at a time",
        ),
    ),
    Focus(
        IQA, "teacher-press",
        goals=(
            "By {end}, {pct}% of students will give a reason or evidence for their claim when asked, without a second prompt, in discussions of {topic}.",
            "At least {pct}% of students' answers in the closing of lessons on {topic} will include a 'because', up from about {base}% in the first lesson we tallied.",
        ),
        evidence_plans=(
            "A tally of student answers with and without a reason during one discussion a week, and of {teacher}'s follow-up presses.",
            "Closing answers recorded on the board, counted for 'because'.",
        ),
        noticed=(
            "{teacher} accepted correct answers without asking for a reason, and pressed only on wrong ones, so students learned that a press means 'you're wrong'.",
            "When pressed ('why does that work?'), {ini} gave a reason; when not pressed, nobody did.",
            "There were {k} presses in the lesson, all in the last ten minutes.",
            "Students answer 'because that's the rule' to a press; the follow-up 'why is that the rule?' is the one that gets reasoning.",
        ),
        will_try=(
            "Press on right answers as often as on wrong ones: 'how do you know?' every time.",
            "Follow 'because that's the rule' with 'why might that rule work?'",
            "Write three press questions on the board and point to them instead of asking.",
        ),
        look_for=(
            "Whether {teacher} presses on correct answers too.",
            "How many answers include a reason before any press.",
            "What students do with a second press.",
        ),
        teacher_steps=(
            "Press on every correct answer in {day}'s discussion",
            "Put the three press questions on the board",
        ),
        coach_steps=(
            "Tally presses on right and wrong answers during my visit on {day}",
            "Find a short video clip of pressing on right answers for us to watch",
        ),
        changes=(
            "pressing on correct answers, not only wrong ones",
            "following 'that's the rule' with 'why might it work?'",
        ),
    ),
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


# --- The calendar ---------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_monday(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


@dataclass(frozen=True)
class Calendar:
    """A school year's coaching weeks (Mondays): from early September to early June, less
    Thanksgiving week and the winter and spring breaks."""

    weeks: list[date]
    breaks: list[tuple[str, date, date]]
    testing: frozenset[date]  # the May testing window: many pairs skip a meeting

    def break_before(self, week: date) -> str | None:
        """The break that ends right before this week, if any."""
        return next((n for n, _s, end in self.breaks if end + timedelta(days=1) == week), None)

    def break_after(self, week: date) -> str | None:
        return next((n for n, start, _e in self.breaks if start == week + timedelta(days=7)), None)


def school_calendar(start_year: int) -> Calendar:
    november = date(start_year, 11, 1)
    thanksgiving = _monday(november + timedelta(days=(3 - november.weekday()) % 7 + 21))
    resumes = school_resumes(start_year)
    spring = _next_monday(date(start_year + 1, 3, 23))
    breaks = [
        ("Thanksgiving break", thanksgiving, thanksgiving + timedelta(days=6)),
        ("winter break", resumes - timedelta(days=14), resumes - timedelta(days=1)),
        ("spring break", spring, spring + timedelta(days=6)),
    ]
    weeks, week = [], _next_monday(date(start_year, 9, 1))
    while week <= date(start_year + 1, 6, 8):
        if not any(start <= week <= end for _n, start, end in breaks):
            weeks.append(week)
        week += timedelta(days=7)
    may = _next_monday(date(start_year + 1, 5, 4))
    return Calendar(weeks, breaks, frozenset({may, may + timedelta(days=7)}))


# --- The plan: who meets when, about what ----------------------------------------------------


@dataclass
class Pair:
    """One coach with one teacher for one assignment (a stretch of a school year)."""

    coach: User
    teacher: Teacher
    school: School
    year: SchoolYear
    start: date
    end: date
    calendar: Calendar
    observations: list[tuple[date, uuid.UUID]]  # the coach's observations of the teacher
    old_coach: User | None = None  # who coached the teacher before, this year
    successor: User | None = None  # who takes over, this year
    new_school: str = ""  # where the coach moves


@dataclass
class MeetingPlan:
    day: date  # the day the pair meets
    week: date  # the Monday of its week


@dataclass
class CyclePlan:
    pair: Pair
    meetings: list[MeetingPlan]  # planned weekly meetings (held when dated before today)
    focus: Focus
    stop: str = ""  # why the cycle ended early: "leave" or "move"


@dataclass
class _Row:
    """A row being built, with its history of writes (version and field_versions)."""

    entity: str
    values: dict[str, Any]
    cycle: "_Row | None" = None  # a check-in's or commitment's cycle
    version: int = 1
    field_versions: dict[str, int] = field(default_factory=dict)


@dataclass
class _Write:
    at: datetime
    order: int
    row: _Row
    version: int
    shared: bool


@dataclass
class Built:
    cycles: list[_Row] = field(default_factory=list)
    check_ins: list[_Row] = field(default_factory=list)
    commitments: list[_Row] = field(default_factory=list)
    reflections: list[dict[str, Any]] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)

    def log(self, row: _Row, at: datetime, *fields: str) -> None:
        """One accepted write at `at`: created (no fields) or changing these fields."""
        if fields:
            row.version += 1
            for name in fields:
                row.field_versions[name] = row.version
        row.values["updated_at"] = at
        cycle = row if row.entity == "cycle" else row.cycle
        assert cycle is not None
        shared = row.entity == "cycle" and (
            cycle.values.get("shared_with_principal_at") is not None or "shared" in fields
        )
        self.writes.append(_Write(at, len(self.writes), row, row.version, shared))


def _at(day: date, rng: random.Random, hour: int = 20) -> datetime:
    """An afternoon time on that day (US afternoons are UTC evenings), in UTC."""
    return datetime.combine(day, time(hour, rng.randrange(0, 60)), UTC)


def _first(name: str) -> str:
    return name.split(" ")[0]


def _context(
    rng: random.Random, plan: CyclePlan, goal: dict[str, Any], day: date
) -> dict[str, Any]:
    """What the templates fill in: the cycle's goal numbers and topic, class and student
    counts, students' initials, the day of a recent lesson, the teacher's first name..."""
    pair = plan.pair
    n = rng.randint(21, 31)
    m = rng.randint(n // 4, n - 3)
    ini, ini2, ini3 = rng.sample(INITIALS, 3)
    lesson = day - timedelta(days=rng.randint(1, 3))
    while lesson.weekday() >= 5:
        lesson -= timedelta(days=1)
    change = rng.choice(plan.focus.changes)
    return {
        **goal,
        "n": n, "m": m, "hi": n - rng.randint(1, 4), "k": rng.randint(2, 5),
        "ini": ini, "ini2": ini2, "ini3": ini3, "day": f"{lesson:%A}",
        "teacher": _first(pair.teacher.name), "period": rng.randint(1, 6),
        "change": change, "change_cap": change[0].upper() + change[1:],
        "next": rng.choice(NEXT_STEPS), "weeks": len(plan.meetings), "obs_day": "",
    }  # fmt: skip


def _fill(template: str, ctx: dict[str, Any]) -> str:
    return template.format(**ctx)


def _pairs(session: Session, district_id: int, today: date) -> list[Pair]:
    """The assignments of last school year and this one (the two latest started by today),
    in a stable order, with the coach's observations of each teacher."""
    years = session.exec(
        select(SchoolYear)
        .where(SchoolYear.district_id == district_id, col(SchoolYear.start_date) <= today)
        .order_by(col(SchoolYear.start_date))
    ).all()[-2:]
    rows = session.exec(
        select(CoachAssignment, Teacher, SchoolYear, User)
        .join(Teacher, col(Teacher.id) == CoachAssignment.teacher_id)
        .join(SchoolYear, col(SchoolYear.id) == CoachAssignment.school_year_id)
        .join(User, col(User.id) == CoachAssignment.coach_id)
        .where(col(SchoolYear.id).in_([y.id for y in years]))
        .order_by(col(Teacher.name), col(CoachAssignment.start_date))
    ).all()
    observed: dict[tuple[int, int], list[tuple[date, uuid.UUID]]] = defaultdict(list)
    for obs in session.exec(
        select(Observation)
        .join(Teacher, col(Teacher.id) == Observation.teacher_id)
        .where(Teacher.district_id == district_id)
        .order_by(col(Observation.observed_at))
    ):
        observed[(obs.observer_id, obs.teacher_id)].append((obs.observed_at.date(), obs.id))
    calendars = {y.start_date.year: school_calendar(y.start_date.year) for y in years}
    coach_schools = dict(
        session.exec(
            select(Membership.user_id, School.name)
            .join(School, col(School.id) == Membership.school_id)
            .where(Membership.role == Role.coach, Membership.district_id == district_id)
        ).all()
    )
    pairs: list[Pair] = []
    schools = {
        s.id: s for s in session.exec(select(School).where(School.district_id == district_id))
    }
    for assignment, teacher, year, coach in rows:
        assert teacher.id is not None and coach.id is not None
        pair = Pair(
            coach=coach, teacher=teacher, school=schools[teacher.school_id], year=year,
            start=assignment.start_date, end=assignment.end_date or year.end_date,
            calendar=calendars[year.start_date.year],
            observations=observed[(coach.id, teacher.id)],
        )  # fmt: skip
        before = pairs[-1] if pairs else None
        if before and before.teacher.id == teacher.id and before.year.id == year.id:
            # A new coach mid-year: the one before moved to the school they coach at now.
            pair.old_coach, before.successor = before.coach, coach
            before.new_school = coach_schools.get(before.coach.id or 0) or "another school"
        pairs.append(pair)
    return pairs


def _meetings(
    rng: random.Random, pair: Pair, leave: tuple[date, date] | None
) -> list[list[MeetingPlan]]:
    """The pair's weekly meeting days within its assignment, in runs: a leave splits it."""
    usual = rng.choices([0, 1, 2, 3, 4], weights=[1, 3, 3, 2, 1])[0]
    runs: list[list[MeetingPlan]] = [[]]
    for index, week in enumerate(pair.calendar.weeks):
        offset = usual
        if rng.random() < 0.12:
            offset = min(4, max(0, usual + rng.choice([-1, 1])))
        if index == 0:
            offset = max(offset, 1)  # Labor Day
        day = week + timedelta(days=offset)
        if not pair.start <= day <= pair.end:
            continue
        if leave and leave[0] <= day < leave[1]:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(MeetingPlan(day=day, week=week))
    runs = [run for run in runs if run]
    if runs and pair.start == pair.year.start_date:
        runs[0] = runs[0][rng.choice([0, 0, 1, 1, 2]) :]  # pairs get going over September
    return runs


def _cycles(
    rng: random.Random, pair: Pair, runs: list[list[MeetingPlan]], cut: date | None, leave: bool
) -> list[CyclePlan]:
    """Split each run of meetings into cycles of four to eight weeks (a cycle may span a
    break); with a cut, the cycle under way on that day ends at its last meeting before."""
    plans: list[CyclePlan] = []
    focus = _pick_focus(rng, None)
    for run_index, run in enumerate(runs):
        i = 0
        while i < len(run):
            n = rng.choice(CYCLE_WEEKS)
            if 0 < len(run) - i - n <= 2:
                n = len(run) - i  # no stub of a cycle before the end
            chunk = run[i : i + n]
            if cut is not None:
                before = [m for m in chunk if m.day < cut]
                if 2 <= len(before) < len(chunk):
                    chunk = before
            plans.append(CyclePlan(pair=pair, meetings=chunk, focus=focus))
            i += len(chunk)
            if leave and run_index == 0 and i >= len(run):
                plans[-1].stop = "leave"
            if i < len(run) and rng.random() < 0.1:
                i += 1  # a week off between cycles
            focus = _pick_focus(rng, focus)
    if plans and pair.successor is not None:
        plans[-1].stop = "move"
    return plans


def _pick_focus(rng: random.Random, last: Focus | None) -> Focus:
    if last is not None and rng.random() < 0.3:
        return last  # the same practice again, with a new goal
    nctm = [f for f in FOCI if f.rubric_id == NCTM and f is not last]
    iqa = [f for f in FOCI if f.rubric_id == IQA and f is not last]
    return rng.choice(iqa if rng.random() < 0.2 else nctm)


# --- Building the rows ------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Builder:
    """Turns the pairs' cycle plans into rows and their writes, relative to `today`."""

    def __init__(self, session: Session, today: date, leave: tuple[date, date]) -> None:
        self.session, self.today, self.leave = session, today, leave
        self.rng = random.Random(SEED)  # each pair's own, in pair_cycles
        self.yesterday = today - timedelta(days=1)
        self.built = Built()
        self.labels: dict[tuple[str, str], str] = {}

    def label(self, focus: Focus) -> str:
        key = (focus.rubric_id, focus.dimension_id)
        if key not in self.labels:
            self.labels[key] = focus_label(
                session=self.session, rubric_id=focus.rubric_id, dimension_id=focus.dimension_id
            )
        return self.labels[key]

    def pair_cycles(self, plans: list[CyclePlan], rng: random.Random) -> None:
        """One pair's cycles: those begun before today, and the next one (planned) only
        when none is under way. Draws from the pair's random stream."""
        self.rng = rng
        past = [p for p in plans if p.meetings[0].day < self.today]
        future = [p for p in plans if p.meetings[0].day >= self.today]
        under_way = bool(past) and past[-1].meetings[-1].day >= self.today
        for plan in past:
            self.cycle(plan)
        if future and not under_way:
            self.cycle(future[0])

    def cycle(self, plan: CyclePlan) -> None:
        rng, pair, today = self.rng, plan.pair, self.today
        due = [m for m in plan.meetings if m.day < today]  # the meetings that fell before today
        if not due:
            status = CycleStatus.planned
        elif len(due) == len(plan.meetings):
            status = CycleStatus.completed
        else:
            status = CycleStatus.active
        start, last_week = plan.meetings[0].day, plan.meetings[-1].week
        spans_break = any(start <= b <= last_week for _n, b, _e in pair.calendar.breaks)
        if len(plan.meetings) == 6 and not spans_break and rng.random() < 0.6:
            end = start + timedelta(days=42)  # the form's default: six weeks
        else:
            end = last_week + timedelta(days=4)  # the Friday of the last week
        end = min(end, pair.end)
        base = rng.randrange(15, 50, 5)
        topic, unit = rng.choice(TOPICS[pair.school.level])
        goal = {
            "topic": topic, "unit": unit, "base": base,
            "pct": min(90, base + rng.randrange(25, 50, 5)), "end": f"{end:%B} {end.day}",
        }  # fmt: skip
        ctx = _context(rng, plan, goal, start)
        if status == CycleStatus.planned:
            created = max(
                _at(today - timedelta(days=rng.randint(1, 4)), rng, 19), _at(pair.start, rng, 8)
            )
        else:
            created = _at(start - timedelta(days=rng.choice([0, 0, 0, 1, 3, 4])), rng, 19)
        ahead = status != CycleStatus.planned and created.date() < start
        assert pair.teacher.id is not None and pair.coach.id is not None
        data = CycleCreate(
            teacher_id=pair.teacher.id,
            focus_rubric_id=plan.focus.rubric_id,
            focus_dimension_id=plan.focus.dimension_id,
            goal=_fill(rng.choice(plan.focus.goals), ctx),
            evidence_plan=_fill(rng.choice(plan.focus.evidence_plans), ctx),
            start_date=start,
            end_date=end,
            status=CycleStatus.planned if status == CycleStatus.planned or ahead else status,
        )
        # The write path's rule: the teacher is in the coach's caseload on the start date.
        assert pair.start <= data.start_date <= pair.end and start <= end
        row = _Row(
            "cycle",
            {
                **data.model_dump(exclude={"end_date"}),
                "id": _uuid(rng), "coach_id": pair.coach.id, "focus_label": self.label(plan.focus),
                "end_date": end, "shared_with_principal_at": None, "summary_progress": "",
                "created_at": created,
            },
        )  # fmt: skip
        self.built.cycles.append(row)
        self.built.log(row, created)
        if ahead:  # created ahead as planned, set going on its first day
            self._update_cycle(row, _at(start, rng, 13), status=CycleStatus.active)
        held = [m for i, m in enumerate(due) if not self._missed(plan, m, i)]
        for meeting in held:
            self.check_in(row, plan, meeting, held, status, ctx)
        if status == CycleStatus.active and len(held) >= 3 and rng.random() < 0.3:
            mid = min(95, base + rng.randrange(5, 25, 5))
            at = _at(held[-1].day, rng, 22)
            self._update_cycle(row, at, summary_progress=_fill(INTERIM, {**ctx, "mid": mid}))
        if status == CycleStatus.completed:
            self.complete(row, plan, ctx, held[-1].day)

    def _missed(self, plan: CyclePlan, meeting: MeetingPlan, index: int) -> bool:
        """A week the pair did not meet: a sick day, a field trip, the testing window. The
        first and the last meeting of a cycle always happen."""
        if index == 0 or meeting is plan.meetings[-1]:
            return False
        chance = 0.5 if meeting.week in plan.pair.calendar.testing else 0.06
        return self.rng.random() < chance

    def _update_cycle(self, row: _Row, at: datetime, **given: Any) -> None:
        data = CycleUpdate(**given).model_dump(exclude_unset=True)
        row.values.update(data)
        self.built.log(row, at, *data)

    def complete(self, row: _Row, plan: CyclePlan, ctx: dict[str, Any], last: date) -> None:
        rng, pair = self.rng, plan.pair
        progress = {**ctx, "final": min(95, ctx["base"] + rng.randrange(10, 50, 5))}
        by_teacher = False
        if plan.stop == "leave":
            reason = f"{ctx['teacher']} is on leave from next week"
            text = _fill(CUT_SHORT, {**progress, "reason": reason})
        elif plan.stop == "move":
            reason = f"{_first(pair.coach.name)} moves to {pair.new_school} in January"
            text = _fill(CUT_SHORT, {**progress, "reason": reason})
        elif pair.teacher.user_id is not None and rng.random() < 0.4:
            text = _fill(rng.choice(TEACHER_PROGRESS), progress)
            by_teacher = True
        elif progress["final"] >= ctx["pct"]:
            text = _fill(rng.choice(PROGRESS_MET), progress)
        elif progress["final"] >= ctx["base"] + 15:
            text = _fill(rng.choice(PROGRESS_PARTLY), progress)
        else:
            text = _fill(rng.choice(PROGRESS_NOT_YET), progress)
        done = _at(last, rng, 21)
        if by_teacher:  # the teacher writes the progress; the coach closes the cycle
            self._update_cycle(row, done - timedelta(minutes=30), summary_progress=text)
        given: dict[str, Any] = {"status": CycleStatus.completed}
        if not by_teacher:
            given["summary_progress"] = text
        if row.values["end_date"] >= self.today:
            given["end_date"] = last  # finished before the day it was planned to end
        self._update_cycle(row, done, **given)
        shared_on = last + timedelta(days=rng.randint(1, 3))
        if pair.teacher.user_id is not None and shared_on < self.today and rng.random() < 0.35:
            at = _at(shared_on, rng, 23)
            row.values["shared_with_principal_at"] = at
            self.built.log(row, at, "shared")

    def check_in(
        self, cycle: _Row, plan: CyclePlan, meeting: MeetingPlan, held: list[MeetingPlan],
        status: CycleStatus, cycle_ctx: dict[str, Any],
    ) -> None:  # fmt: skip
        rng, pair = self.rng, plan.pair
        ctx = _context(rng, plan, cycle_ctx, meeting.day)
        ctx["weeks"] = plan.meetings.index(meeting) + 1
        recent = [o for o in pair.observations if o[0] <= meeting.day <= o[0] + timedelta(days=12)]
        obs = recent[0] if recent else None
        if obs is not None:  # the first meeting after the coach observed: a debrief of it
            pair.observations.remove(obs)
            kind = CheckInKind.debrief
            ctx["obs_day"] = f"{obs[0]:%A, %B} {obs[0].day}"
            evidence = _fill(rng.choice(LINKED_DEBRIEF), ctx)
        else:
            if meeting is plan.meetings[0]:
                kind = CheckInKind.planning
            elif meeting is plan.meetings[-1]:
                kind = rng.choice([CheckInKind.data_review] * 2 + [CheckInKind.student_work])
            else:  # planning, debrief, student work, data review, co-teaching, other
                kind = rng.choices(list(CheckInKind), weights=[1, 3, 3, 1, 1.5, 0.5])[0]
            evidence = _fill(rng.choice(EVIDENCE_EXAMINED[kind]), ctx)
        focus = plan.focus

        def prompt(specific: tuple[str, ...], generic: tuple[str, ...]) -> str:
            return _fill(rng.choice(specific if rng.random() < 0.7 else generic), ctx)

        work = ""
        if kind in (CheckInKind.student_work, CheckInKind.data_review) or rng.random() < 0.15:
            work = _fill(rng.choice(STUDENT_WORK), ctx)
        data = CheckInCreate(
            cycle_id=cycle.values["id"], date=meeting.day, kind=kind, evidence_examined=evidence,
            noticed=prompt(focus.noticed, NOTICED), will_try=prompt(focus.will_try, WILL_TRY),
            look_for_next=prompt(focus.look_for, LOOK_FOR),
            notes=self._note(plan, meeting, held, status, ctx), student_work=work,
            observation_id=obs[1] if obs else None,
        )  # fmt: skip
        # The write path's rule: the teacher is in the coach's caseload on the day.
        assert pair.start <= data.date <= pair.end and data.date < self.today
        at = _at(meeting.day, rng)
        row = _Row(
            "check_in",
            {**data.model_dump(), "id": _uuid(rng), "created_by": pair.coach.id, "created_at": at},
            cycle=cycle,
        )
        self.built.check_ins.append(row)
        self.built.log(row, at)
        self.commitments(cycle, plan, row, meeting, held, status, ctx)
        self.reflection(row, pair, kind, meeting.day)

    def _note(
        self, plan: CyclePlan, meeting: MeetingPlan, held: list[MeetingPlan],
        status: CycleStatus, ctx: dict[str, Any],
    ) -> str:  # fmt: skip
        rng, pair, calendar = self.rng, plan.pair, plan.pair.calendar
        final = status == CycleStatus.completed and meeting is held[-1]
        if (
            meeting is held[0]
            and pair.old_coach is not None
            and meeting.day - pair.start < timedelta(days=10)
        ):
            return _fill(HANDOVER_IN, {**ctx, "old_coach": pair.old_coach.name})
        if final and plan.stop == "move" and pair.successor is not None:
            extra = {"new_school": pair.new_school, "successor": pair.successor.name}
            return _fill(HANDOVER_OUT, {**ctx, **extra})
        if final and plan.stop == "leave":
            return _fill(BEFORE_LEAVE, ctx)
        back = self.leave[1]
        returning = pair.teacher.name == LEAVE_TEACHER and back <= meeting.day < back + timedelta(
            days=10
        )
        if meeting is held[0] and returning:
            return _fill(AFTER_LEAVE, ctx)
        if (holiday := calendar.break_before(meeting.week)) and rng.random() < 0.6:
            return _fill(AFTER_BREAK, {**ctx, "holiday": holiday})
        if (holiday := calendar.break_after(meeting.week)) and rng.random() < 0.6:
            return _fill(BEFORE_BREAK, {**ctx, "holiday": holiday})
        if meeting.week in calendar.testing and rng.random() < 0.5:
            return TESTING_NOTE
        return _fill(rng.choice(NOTES), ctx) if rng.random() < 0.3 else ""

    def commitments(
        self, cycle: _Row, plan: CyclePlan, check_in: _Row, meeting: MeetingPlan,
        held: list[MeetingPlan], status: CycleStatus, ctx: dict[str, Any],
    ) -> None:  # fmt: skip
        """The next steps agreed at a check-in, and what became of each by today: done,
        dropped, done after being carried over, or still open (perhaps overdue, perhaps
        given a new date at a later check-in)."""
        rng = self.rng
        latest = meeting is held[-1]
        later = [m.day for m in held if m.day > meeting.day]
        texts: set[str] = set()
        for _ in range(rng.choices([0, 1, 2, 3], weights=[1, 4.5, 3.5, 1])[0]):
            teacher = rng.random() < 0.62
            own = plan.focus.teacher_steps if teacher else plan.focus.coach_steps
            generic = TEACHER_STEPS if teacher else COACH_STEPS
            text = _fill(rng.choice(own if rng.random() < 0.65 else generic), ctx)
            if text in texts:
                continue
            texts.add(text)
            due: date | None = meeting.day + timedelta(days=rng.choice([2, 3, 6, 7, 7, 9]))
            data = CommitmentCreate(
                cycle_id=cycle.values["id"], check_in_id=check_in.values["id"], text=text,
                owner=CommitmentOwner.teacher if teacher else CommitmentOwner.coach,
                due_date=None if rng.random() < 0.12 else due,
            )  # fmt: skip
            at = check_in.values["created_at"] + timedelta(minutes=rng.randint(5, 40))
            row = _Row(
                "commitment",
                {
                    **data.model_dump(), "id": _uuid(rng), "completed_at": None,
                    "created_by": plan.pair.coach.id, "created_at": at,
                },
                cycle=cycle,
            )  # fmt: skip
            self.built.commitments.append(row)
            self.built.log(row, at)
            if status == CycleStatus.completed:
                outcome = rng.choices(["done", "dropped", "carried"], weights=[78, 12, 10])[0]
                if plan.stop and latest:
                    outcome = rng.choice(["done", "dropped"])  # the pair stops meeting
            elif latest:
                outcome = "open" if rng.random() < 0.7 else "done"
            else:
                outcome = rng.choices(["done", "open", "dropped"], weights=[70, 20, 10])[0]
            if outcome == "open":
                if later and data.due_date is not None and rng.random() < 0.4:
                    # Carried over to the next check-in and given a new date there.
                    moved = later[0] + timedelta(days=rng.choice([2, 5, 7]))
                    self._update_commitment(row, _at(later[0], rng, 21), due_date=moved)
                continue
            if outcome == "carried" and len(later) >= 2:
                if data.due_date is not None and rng.random() < 0.5:
                    moved = later[0] + timedelta(days=rng.choice([2, 5, 7]))
                    self._update_commitment(row, _at(later[0], rng, 21), due_date=moved)
                day = later[1] - timedelta(days=rng.randint(0, 2))
            elif later:
                day = meeting.day + timedelta(days=rng.randint(1, (later[0] - meeting.day).days))
            else:
                day = meeting.day + timedelta(days=rng.randint(1, 5))
            day = min(day, self.yesterday)
            if day == meeting.day and outcome != "done":
                continue  # too soon to tell: still open
            closed = CommitmentStatus.dropped if outcome == "dropped" else CommitmentStatus.done
            at = max(_at(day, rng, 22), row.values["updated_at"] + timedelta(minutes=1))
            self._update_commitment(row, at, status=closed)

    def _update_commitment(self, row: _Row, at: datetime, **given: Any) -> None:
        data = CommitmentUpdate(**given).model_dump(exclude_unset=True)
        if data.get("status") == CommitmentStatus.done:
            row.values["completed_at"] = at
        row.values.update(data)
        self.built.log(row, at, *data)

    def reflection(self, row: _Row, pair: Pair, kind: CheckInKind, day: date) -> None:
        """Now and then the teacher (with a login) reflects on a check-in, more often after
        a debrief."""
        rng, author = self.rng, pair.teacher.user_id
        chance = 0.3 if kind == CheckInKind.debrief else 0.12
        on = day + timedelta(days=rng.choice([0, 1, 1, 2]))
        if author is None or rng.random() >= chance or on >= self.today:
            return
        text = AddCheckInReflection(text=rng.choice(REFLECTIONS)).text
        at = max(_at(on, rng, 23), row.values["updated_at"] + timedelta(minutes=30))
        self.built.reflections.append(
            {"check_in_id": row.values["id"], "author_id": author, "text": text, "updated_at": at}
        )
        self.built.log(row, at, reflection_field(author))


# --- Loading ----------------------------------------------------------------------------------


def demo_coaching_exists(*, session: Session, district_id: int) -> bool:
    return (
        session.exec(
            select(CoachingCycle.id)
            .join(Teacher, col(Teacher.id) == CoachingCycle.teacher_id)
            .where(Teacher.district_id == district_id)
            .limit(1)
        ).first()
        is not None
    )


def load_demo_coaching(*, session: Session, district_id: int, today: date | None = None) -> int:
    """Load the demo pairs' cycles, check-ins, commitments and reflections for last school
    year and this one, unless the district has cycles already. Returns the check-ins made.
    Load the observations first to link the debriefs to them."""
    if demo_coaching_exists(session=session, district_id=district_id):
        return 0
    built = build_demo_coaching(session=session, district_id=district_id, today=today)
    _insert(session, built)
    session.commit()
    return len(built.check_ins)


def build_demo_coaching(*, session: Session, district_id: int, today: date | None = None) -> Built:
    """The rows load_demo_coaching inserts, and their writes: the same for the same roster,
    observations and day (each pair draws from its own seeded random stream)."""
    today = today or date.today()
    pairs = _pairs(session, district_id, today)
    last_year = min((p.year.start_date.year for p in pairs), default=today.year)
    leave_from = _next_monday(date(last_year + 1, 2, 2))
    leave = (leave_from, leave_from + timedelta(days=7 * LEAVE_WEEKS))

    def plan(pair: Pair, cut: date | None) -> tuple[list[CyclePlan], random.Random]:
        rng = random.Random(f"{SEED} {pair.teacher.name} {pair.coach.name} {pair.start}")
        on_leave = pair.teacher.name == LEAVE_TEACHER and pair.year.start_date.year == last_year
        runs = _meetings(rng, pair, leave if on_leave else None)
        return _cycles(rng, pair, runs, cut, on_leave), rng

    plans = [plan(pair, None) for pair in pairs]
    # Each coach has at least one teacher between two cycles today (the last one just
    # finished, the next one planned): cut the cycle under way short if need be.
    current: dict[str, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        if pair.start <= today <= pair.end:
            current[pair.coach.name].append(index)
    for coach, indexes in sorted(current.items()):
        if not any(_planned_next(plans[i][0], today) for i in indexes):
            index = random.Random(f"{SEED} {coach}").choice(indexes)
            plans[index] = plan(pairs[index], today)
    builder = Builder(session, today, leave)
    for pair_plans, rng in plans:
        builder.pair_cycles(pair_plans, rng)
    return builder.built


def _planned_next(plans: list[CyclePlan], today: date) -> bool:
    """Whether the pair has no cycle under way today and a next one planned."""
    begun = [p for p in plans if p.meetings[0].day < today]
    return len(begun) < len(plans) and (not begun or begun[-1].meetings[-1].day < today)


def _row_values(row: _Row) -> dict[str, Any]:
    return {**row.values, "version": row.version, "field_versions": dict(row.field_versions)}


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _insert(session: Session, built: Built) -> None:
    for model, rows in (
        (CoachingCycle, built.cycles),
        (CheckIn, built.check_ins),
        (Commitment, built.commitments),
    ):
        if rows:
            session.execute(insert(_table(model)), [_row_values(r) for r in rows])
    if built.reflections:
        session.execute(insert(_table(CheckInReflection)), built.reflections)
    teachers = {t.id: t.school_id for t in session.exec(select(Teacher))}
    changes = []
    for write in sorted(built.writes, key=lambda w: (w.at, w.order)):
        cycle = write.row if write.row.entity == "cycle" else write.row.cycle
        assert cycle is not None
        teacher_id = cycle.values["teacher_id"]
        changes.append(
            {
                "entity": write.row.entity, "entity_id": write.row.values["id"],
                "version": write.version, "observer_id": cycle.values["coach_id"],
                "teacher_id": teacher_id, "school_id": teachers[teacher_id],
                "shared_with_teacher": True, "shared_with_principal": write.shared,
                "deleted": False, "created_at": write.at,
            }
        )  # fmt: skip
    if changes:
        lock_change_sequence(session)
        session.execute(insert(_table(SyncChange)), changes)
