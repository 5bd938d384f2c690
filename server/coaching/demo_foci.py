"""Demo coaching's focuses: per practice, the goals, notes and next steps coaches write."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Focus:
    """A focus a cycle may take, with what coaches say about it. Templates use the keys of
    `server.coaching.demo._context`."""

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
