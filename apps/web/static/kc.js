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
