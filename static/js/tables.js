// Table enhancements and the print button; without JavaScript every table stays as the
// server sent it.
// - <table data-sortable>: a button in each column header sorts by that column;
//   a cell may carry data-sort-value (a number) to sort by.
// - <table data-filterable data-filter-label="…" data-filter-status="… {n} …">: a text
//   field above the table hides the body rows that do not contain the typed text;
//   the status line (with {n} = rows shown) is announced politely.
(function () {
  "use strict";

  // <button data-print hidden>: shown once JavaScript runs, prints the page; the
  // printed date ([data-print-date]) is the day of printing, not of the cached page.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  window.addEventListener("beforeprint", function () {
    var lang = document.documentElement.lang || "de";
    var today = lang === "de"
      ? new Date().toLocaleDateString("de-DE", { day: "2-digit", month: "2-digit", year: "numeric" })
      : new Date().toISOString().slice(0, 10);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print-date]"), function (node) {
      node.textContent = today;
    });
  });
  var collator = new Intl.Collator(document.documentElement.lang || "de", { numeric: true });

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort-value");
    if (raw !== null && raw !== "" && !isNaN(Number(raw))) { return Number(raw); }
    return cell.textContent.trim();
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    if (typeof a === "number") { return -1; }
    if (typeof b === "number") { return 1; }
    return collator.compare(a, b);
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var result = compare(cellValue(x, index), cellValue(y, index));
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, header); });
    });
  });

  var filterCount = 0;
  Array.prototype.forEach.call(document.querySelectorAll("table[data-filterable]"), function (table) {
    if (!table.tBodies.length) { return; }
    filterCount += 1;
    var id = "table-filter-" + filterCount;
    var box = document.createElement("div");
    box.className = "table-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = table.getAttribute("data-filter-label") || "Filter";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "table-filter-status";
    status.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    var anchor = table.closest("[role=region]") || table;
    anchor.parentNode.insertBefore(box, anchor);
    var template = table.getAttribute("data-filter-status") || "{n}";
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLocaleLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var match = !needle || row.textContent.toLocaleLowerCase().indexOf(needle) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      status.textContent = needle ? template.replace("{n}", shown) : "";
    });
  });
})();
