// Reads an iCalendar feed on stdin and prints, as JSON, each series' occurrences (UTC ISO start and end)
// between argv[2] and argv[3], as Mozilla's ical.js expands them: RRULE, RDATE, EXDATE and RECURRENCE-ID.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [from, until] = [ICAL.Time.fromJSDate(new Date(process.argv[2]), true),
                       ICAL.Time.fromJSDate(new Date(process.argv[3]), true)];
const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
// Exceptions are related by UID here: left to itself, ICAL.Event relates every RECURRENCE-ID of the calendar.
const events = calendar.getAllSubcomponents("vevent")
  .map((component) => new ICAL.Event(component, { strictExceptions: true, exceptions: [] }));
const masters = new Map(events.filter((event) => !event.isRecurrenceException()).map((e) => [e.uid, e]));
for (const event of events.filter((e) => e.isRecurrenceException())) {
  masters.get(event.uid)?.relateException(event);
}
const found = {};
for (const [uid, event] of masters) {
  const spans = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.compare(until) < 0; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    if (details.endDate.compare(from) > 0 && details.startDate.compare(until) < 0) {
      spans.push([details.startDate.toJSDate().toISOString(), details.endDate.toJSDate().toISOString()]);
    }
  }
  found[uid] = spans.sort();
}
process.stdout.write(JSON.stringify(found));
