// The console's small script: checks values as the clerk types (before any request), asks
// before irreversible actions, prints notices, and remembers 大字模式. Every page works
// without it; the API checks everything again.
"use strict";

// GB 11643: 17 digits, then a check character from the weighted sum modulo 11.
function idNumberProblem(v) {
  if (!/^\d{17}[\dXx]$/.test(v)) return "公民身份号码应为 18 位，最后一位可以是 X";
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(v[i]) * w[i];
  const check = "10X98765432"[sum % 11];
  if (v[17].toUpperCase() !== check) return "公民身份号码校验位不正确，请核对";
  const y = Number(v.slice(6, 10)), m = Number(v.slice(10, 12)), d = Number(v.slice(12, 14));
  const born = new Date(Date.UTC(y, m - 1, d));
  if (born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d || y < 1900) return "公民身份号码中的出生日期不正确";
  return "";
}

// GB 32100: 18 characters from a 31-character alphabet, the last a weighted check modulo 31.
function creditCodeProblem(v) {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const s = v.toUpperCase();
  if (s.length !== 18 || [...s].some((c) => !alphabet.includes(c))) return "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）";
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(s[i]) * w[i];
  if (alphabet[(31 - (sum % 31)) % 31] !== s[17]) return "统一社会信用代码校验位不正确，请核对";
  return "";
}

function problem(input, strict) {
  const v = input.value.trim();
  if (v === "") return input.required && strict ? "此项必填" : "";
  switch (input.dataset.kind) {
    case "id_number": return idNumberProblem(v);
    case "uscc": return creditCodeProblem(v);
    case "mobile": return /^1[3-9]\d{9}$/.test(v) ? "" : "手机号码应为 11 位，以 1 开头";
    case "integer": return /^\d+$/.test(v) ? "" : "请填写整数";
    case "money": return /^\d+(\.\d{1,2})?$/.test(v) ? "" : "请填写金额，最多两位小数";
    case "date": return /^\d{4}-\d{2}-\d{2}$/.test(v) ? "" : "请填写日期";
    default: return "";
  }
}

function show(input, message) {
  const ids = (input.getAttribute("aria-describedby") || "").split(" ");
  const box = ids.map((id) => document.getElementById(id)).find((el) => el && el.classList.contains("error"));
  if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  if (!box) return;
  // A message the server wrote stays until the value changes.
  if (!message && box.dataset.server && !input.dataset.changed) return;
  box.textContent = message;
  box.hidden = !message;
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.documentElement;
  const large = document.getElementById("large-text");
  const setLarge = (on) => {
    root.classList.toggle("large", on);
    if (large) large.setAttribute("aria-pressed", String(on));
  };
  setLarge(localStorage.getItem("lb-large") === "1");
  if (large) large.addEventListener("click", () => {
    const on = !root.classList.contains("large");
    localStorage.setItem("lb-large", on ? "1" : "0");
    setLarge(on);
  });

  document.querySelectorAll(".error:not([hidden])").forEach((el) => { el.dataset.server = "1"; });
  document.querySelectorAll("input[data-kind], select[required], input[required]").forEach((input) => {
    input.addEventListener("input", () => { input.dataset.changed = "1"; });
    input.addEventListener("blur", () => show(input, problem(input, false)));
    input.addEventListener("change", () => show(input, problem(input, false)));
  });

  // A value that is plainly wrong stops the form here, and the first wrong input gets the
  // focus. A pre-check may go with inputs left empty: telling what is missing is its job.
  document.querySelectorAll("form.apply").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const strict = !(event.submitter && event.submitter.value === "precheck");
      let first = null;
      form.querySelectorAll("input[data-kind], select[required], input[required]").forEach((input) => {
        const message = input.closest(".mail-only[hidden]") ? "" : problem(input, strict);
        input.dataset.changed = "1";
        show(input, message);
        if (message && !first) first = input;
      });
      if (first) { event.preventDefault(); first.focus(); }
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));

  // The mail address is asked for only when the results go by post.
  const mail = document.querySelector(".mail-only");
  if (mail) {
    const sync = () => {
      const chosen = document.querySelector("input[name='delivery.mode']:checked");
      mail.hidden = !chosen || chosen.value !== "mail";
    };
    document.querySelectorAll("input[name='delivery.mode']").forEach((r) => r.addEventListener("change", sync));
    sync();
  }
});
