// A recording's page (REC-07): notes pinned to moments by clicking the timeline under the player,
// seeking by clicking a note, the chosen evaluation form's criteria shown, #t=<seconds> links.
const player = document.querySelector("audio#player");
const timeline = document.querySelector("#timeline");
const notes = document.querySelector("#notes");
const template = document.querySelector("#note-template");
const playhead = document.querySelector("#playhead");

function duration() {
  const known = timeline ? parseFloat(timeline.dataset.duration) : NaN;
  if (Number.isFinite(known) && known > 0) return known;
  return player && Number.isFinite(player.duration) ? player.duration : 0;
}

function moment(seconds) {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function seek(seconds) {
  if (!player || !Number.isFinite(seconds)) return;
  player.currentTime = seconds;
  player.play().catch(() => {}); // a browser may refuse to play without a gesture; the seek stays
}

function offsetOf(row) {
  return parseFloat(row.querySelector('input[name="note_offset"]').value);
}

function drawMarkers() {
  if (!timeline || !notes) return;
  for (const old of timeline.querySelectorAll(".marker")) old.remove();
  const length = duration();
  notes.querySelectorAll(".note-row").forEach((row, index) => {
    const offset = offsetOf(row);
    if (!Number.isFinite(offset) || !length) return;
    const marker = document.createElement("button");
    marker.type = "button";
    marker.className = "marker";
    marker.style.left = `${Math.min(100, Math.max(0, (offset / length) * 100))}%`;
    marker.textContent = String(index + 1);
    marker.title = `${moment(offset)} ${row.querySelector('input[name="note_text"]').value}`;
    marker.addEventListener("click", (event) => {
      event.stopPropagation();
      seek(offset);
    });
    timeline.append(marker);
  });
}

function addNote(seconds) {
  if (!notes || !template) return;
  const row = template.content.firstElementChild.cloneNode(true);
  const offset = Math.round(seconds * 10) / 10;
  row.querySelector('input[name="note_offset"]').value = offset.toFixed(1);
  row.querySelector(".seek").textContent = moment(offset);
  const later = [...notes.querySelectorAll(".note-row")].find((other) => offsetOf(other) > offset);
  notes.insertBefore(row, later || null);
  drawMarkers();
  row.querySelector('input[name="note_text"]').focus();
}

if (timeline) {
  timeline.addEventListener("click", (event) => {
    const box = timeline.getBoundingClientRect();
    const share = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    addNote(share * duration());
  });
  timeline.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      addNote(player ? player.currentTime : 0);
    }
  });
}

document.querySelector("#note-now")?.addEventListener("click", () => addNote(player ? player.currentTime : 0));

if (notes) {
  notes.addEventListener("click", (event) => {
    const row = event.target.closest(".note-row");
    if (!row) return;
    if (event.target.closest(".seek")) seek(offsetOf(row));
    if (event.target.closest(".remove")) {
      row.remove();
      drawMarkers();
    }
  });
  notes.addEventListener("change", drawMarkers);
}

const choice = document.querySelector("#form-choice");
choice?.addEventListener("change", () => {
  const wanted = choice.selectedOptions[0]?.dataset.sheet;
  for (const sheet of document.querySelectorAll("fieldset.sheet")) sheet.hidden = sheet.id !== `sheet-${wanted}`;
});

if (player) {
  player.addEventListener("timeupdate", () => {
    const length = duration();
    if (playhead && length) playhead.style.left = `${Math.min(100, (player.currentTime / length) * 100)}%`;
  });
  const wanted = /^#t=([0-9.]+)$/.exec(window.location.hash);
  if (wanted) {
    const go = () => { player.currentTime = parseFloat(wanted[1]); };
    if (player.readyState >= 1) go();
    else player.addEventListener("loadedmetadata", go, { once: true });
  }
}

drawMarkers();
