// /review in the coach's app: what needs the coach after a sync. Every conflict, with a link
// to the record it belongs to (where it is resolved), and every change the server refused,
// from this tablet and (online) the coach's other devices, each with its reason.
(function () {
  "use strict";
  var Cadence = window.Cadence;
  var coach = Cadence.coach;
  var review = Cadence.review;
  var ui = Cadence.ui;
  var h = ui.h;

  function link(href, text) { return h("li", {}, [h("a", { href: href, text: text })]); }

  function conflictLinks(data) {
    var name = coach.teacherName;
    var out = [];
    data.observation.filter(review.hasConflicts).forEach(function (o) {
      out.push(link("/observe/" + o.id + "#conflicts", "Observation of " + name(o.teacher_id) + ", " + ui.shortDate(o.observed_at)));
    });
    data.cycle.filter(review.hasConflicts).forEach(function (c) {
      out.push(link("/week?cycle=" + c.id + "#conflicts", "Cycle with " + name(c.teacher_id)));
    });
    data.check_in.filter(review.hasConflicts).forEach(function (c) {
      var cycle = data.cycle.find(function (x) { return x.id === c.cycle_id; });
      out.push(link("/week?check_in=" + c.id + "#conflicts", "Check-in of " + ui.dayName(c.date) + (cycle ? " with " + name(cycle.teacher_id) : "")));
    });
    data.commitment.filter(review.hasConflicts).forEach(function (c) {
      out.push(link("/week?cycle=" + c.cycle_id + "#conflicts", "Commitment: " + c.text));
    });
    return out;
  }

  function reviewScreen() {
    return review.refused(coach.app.user).then(function (refused) {
      var conflicts = conflictLinks(coach.app.data);
      var parts = [h("h1", { text: "Needs you" }), h("p", { class: "lede", text: "Conflicts to choose, and changes the server refused. Everything else is saved." })];
      parts.push(h("section", { class: "card", id: "conflicts", "aria-labelledby": "conflicts-h" }, [
        h("h2", { id: "conflicts-h", text: "Conflicts" }),
        conflicts.length ? h("p", { text: "The same field was changed in two places. Both values are kept until you choose, on the record itself:" }) : null,
        conflicts.length ? h("ul", { class: "link-list" }, conflicts) : h("p", { class: "meta", text: "No conflicts." }),
      ]));
      if (refused.length) parts.push(review.problemsSection(refused, coach.draw));
      else parts.push(h("section", { class: "card", id: "problems", "aria-labelledby": "problems-h" }, [h("h2", { id: "problems-h", text: "Refused changes" }), h("p", { class: "meta", text: "None." })]));
      return parts;
    });
  }

  coach.route("/review", reviewScreen);
})();
