// bibliobot staff page: inbox refresh, live SMS segment counter, reply templates, a teach's outcome. Every action works without it.
"use strict";

// The SMS rules come from the server (bot/smsformat.py) in a JSON block, so the alphabets are written once;
// only the counting is repeated here, and a browser test compares it with the Python on the same texts.
function smsRules() {
  const block = document.getElementById("sms-rules");
  if (!block) return null;
  const raw = JSON.parse(block.textContent);
  return {
    basic: new Set(Array.from(raw.basic)),
    extension: new Set(Array.from(raw.extension)),
    equivalents: raw.equivalents,
    gsmSingle: raw.gsm7[0], gsmPart: raw.gsm7[1],
    ucsSingle: raw.ucs2[0], ucsPart: raw.ucs2[1],
  };
}

function toGsm7(text, rules) {
  let out = "";
  for (const ch of text) out += Object.prototype.hasOwnProperty.call(rules.equivalents, ch) ? rules.equivalents[ch] : ch;
  return out;
}

// {segments, encoding, units, perPart} for a text as it would go out (trimmed, GSM-7 look-alikes in).
function countSms(text, rules) {
  const chars = Array.from(toGsm7(text.trim(), rules));
  if (chars.length === 0) return { segments: 0, encoding: "GSM-7", units: 0, perPart: rules.gsmSingle };
  const gsm = chars.every((c) => rules.basic.has(c) || rules.extension.has(c));
  const cost = (c) => (gsm ? (rules.extension.has(c) ? 2 : 1) : (c.codePointAt(0) > 0xffff ? 2 : 1));
  const units = chars.reduce((sum, c) => sum + cost(c), 0);
  const single = gsm ? rules.gsmSingle : rules.ucsSingle;
  const part = gsm ? rules.gsmPart : rules.ucsPart;
  if (units <= single) return { segments: 1, encoding: gsm ? "GSM-7" : "UCS-2", units, perPart: single };
  let segments = 1;
  let used = 0;
  for (const c of chars) {
    const k = cost(c);
    if (used + k > part) { segments += 1; used = 0; } // an escape pair or a surrogate pair is never split
    used += k;
  }
  return { segments, encoding: gsm ? "GSM-7" : "UCS-2", units, perPart: part };
}
window.bibliobotCountSms = (text) => countSms(text, smsRules());

function setUpCounter(area) {
  const rules = smsRules();
  const out = document.querySelector(`output[for="${area.id}"]`);
  if (!rules || !out) return;
  const max = Number(area.dataset.maxSegments || 3);
  const update = () => {
    if (area.dataset.channel !== "sms") {
      const n = Array.from(area.value.trim()).length;
      out.textContent = `${n} characters (Telegram takes up to 4096)`;
      out.classList.toggle("over", n > 4096);
      return;
    }
    const c = countSms(area.value, rules);
    const over = c.segments > max;
    out.textContent = `${c.segments} SMS · ${c.encoding} · ${c.units} characters`
      + (c.segments > 1 ? ` (${c.perPart} per SMS)` : ` of ${c.perPart}`)
      + (over ? ` · too long: at most ${max} SMS` : ` · at most ${max} SMS`);
    out.dataset.segments = String(c.segments);
    out.classList.toggle("over", over);
  };
  area.addEventListener("input", update);
  update();
}

function setUpInbox(inbox) {
  const every = Math.max(1, Number(inbox.dataset.refresh || 5)) * 1000;
  const count = document.getElementById("inbox-count");
  let shown = inbox.innerHTML;
  let known = new Set(Array.from(inbox.querySelectorAll("[data-ticket]"), (el) => el.dataset.ticket));
  const refresh = async () => {
    try {
      const response = await fetch(inbox.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 401) { window.location.reload(); return; }
      if (response.ok) {
        const data = await response.json();
        if (data.html !== shown) {
          inbox.innerHTML = data.html;
          shown = data.html;
          for (const el of inbox.querySelectorAll("[data-ticket]")) {
            if (!known.has(el.dataset.ticket)) el.classList.add("new");
          }
          known = new Set(data.ids.map(String));
          if (count) count.textContent = String(data.count);
          document.title = `Inbox (${data.count}) · bibliobot staff`;
        }
      }
    } catch (err) {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(refresh, every);
  };
  window.setTimeout(refresh, every);
}

// A teach under way (views.teach_later): its note is replaced until the change is in or refused.
function watchTeach(status) {
  const poll = async () => {
    try {
      const response = await fetch(status.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 401) { window.location.reload(); return; }
      if (response.ok) {
        const data = await response.json();
        if (!data.pending) {
          const holder = document.createElement("div");
          holder.innerHTML = data.html;
          status.replaceWith(...holder.childNodes);
          return;
        }
      }
    } catch (err) {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const area of document.querySelectorAll("textarea[data-channel]")) setUpCounter(area);
  const inbox = document.getElementById("inbox");
  if (inbox) setUpInbox(inbox);
  const teaching = document.querySelector("#teach-status[data-pending]");
  if (teaching) watchTeach(teaching);
  for (const picker of document.querySelectorAll("select[data-template-for]")) {
    picker.addEventListener("change", () => {
      const area = document.getElementById(picker.dataset.templateFor);
      if (area && picker.value) { area.value = picker.value; area.dispatchEvent(new Event("input")); area.focus(); }
    });
  }
  for (const button of document.querySelectorAll("button[data-fill]")) {
    button.addEventListener("click", () => {
      const area = document.getElementById(button.dataset.fill);
      if (area) { area.value = button.dataset.text; area.dispatchEvent(new Event("input")); area.focus(); }
    });
  }
});
