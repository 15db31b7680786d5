// Small behaviours shared by every page; no build step, no framework.

// Live filter of a table: <input class="filter" data-filter="#table-id">
for (const input of document.querySelectorAll("input.filter[data-filter]")) {
  const table = document.querySelector(input.dataset.filter);
  if (!table) continue;
  input.addEventListener("input", () => {
    const needle = input.value.trim().toLocaleLowerCase("cs");
    for (const row of table.tBodies[0].rows) {
      row.hidden = needle !== "" && !row.textContent.toLocaleLowerCase("cs").includes(needle);
    }
  });
}

// Forms that need a confirmation: <form data-confirm="Really?">
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Forms that take a while (a file read whole): <form data-working="Reading…"> says so on its button.
for (const form of document.querySelectorAll("form[data-working]")) {
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.disabled = true;
      button.textContent = form.dataset.working;
    }
    form.setAttribute("aria-busy", "true");
  });
}

// The main menu's groups (templates/_menu.html): one open at a time; Escape or a click elsewhere closes it.
const menuGroups = [...document.querySelectorAll("details.menu-group")];
const closeMenus = (except = null) => {
  for (const group of menuGroups) if (group !== except) group.open = false;
};
for (const group of menuGroups) {
  group.addEventListener("toggle", () => { if (group.open) closeMenus(group); });
}
document.addEventListener("click", (event) => {
  if (!event.target.closest("details.menu-group")) closeMenus();
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = menuGroups.find((group) => group.open);
  if (open) { open.open = false; open.querySelector("summary").focus(); }
});

// Parts of a form that depend on a select (a call script question's answer type): in the element
// <select data-switch="#id"> names, those [data-when="a b"] holding the chosen value are shown, the
// others hidden; its [data-switch-button] (which does the same by a round trip) is not needed then.
for (const select of document.querySelectorAll("select[data-switch]")) {
  const block = document.querySelector(select.dataset.switch);
  if (!block) continue;
  const show = () => {
    for (const part of block.querySelectorAll("[data-when]")) {
      part.hidden = !part.dataset.when.split(" ").includes(select.value);
    }
  };
  select.addEventListener("change", show);
  for (const button of block.querySelectorAll("[data-switch-button]")) button.hidden = true;
}
