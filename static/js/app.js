// The little glue htmx needs under a strict CSP: the Quick Actions menu and
// the confirmation dialogs. No inline handlers, no eval.
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("[data-quick-actions] [aria-expanded='true']").forEach(function (button) {
      if (button === except) return;
      button.setAttribute("aria-expanded", "false");
      var menu = document.getElementById(button.getAttribute("aria-controls"));
      if (menu) menu.hidden = true;
    });
  }

  // Menus are plain lists of links until this script makes them a menu
  // button (WAI-ARIA Authoring Practices: role="menu", its links
  // "menuitem"s focused by script), so without JavaScript every action is
  // still a plain link.
  function enhanceMenus(root) {
    var scope = root.querySelectorAll ? root : document;
    var containers = Array.from(scope.querySelectorAll("[data-quick-actions]"));
    if (root.matches && root.matches("[data-quick-actions]")) containers.push(root);
    containers.forEach(function (container) {
      var button = container.querySelector("button[aria-controls]");
      var menu = button && document.getElementById(button.getAttribute("aria-controls"));
      if (menu && !container.dataset.enhanced) {
        button.setAttribute("aria-haspopup", "menu");
        menu.setAttribute("role", "menu");
        menu.querySelectorAll("li").forEach(function (item) { item.setAttribute("role", "none"); });
        menuItems(menu).forEach(function (link) {
          link.setAttribute("role", "menuitem");
          link.setAttribute("tabindex", "-1");
        });
        menu.hidden = true;
        container.dataset.enhanced = "true";
      }
    });
  }

  function menuItems(menu) {
    return Array.from(menu.querySelectorAll("a, button"));
  }

  function menuOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  // Opens the menu of ``button`` with focus on its first (or last) item.
  function openMenu(button, last) {
    var menu = menuOf(button);
    closeMenus(button);
    button.setAttribute("aria-expanded", "true");
    menu.hidden = false;
    var items = menuItems(menu);
    if (items.length) items[last ? items.length - 1 : 0].focus();
  }

  function openDialogs(root) {
    var dialogs = [];
    if (root.matches && root.matches("dialog[data-autoopen]")) dialogs.push(root);
    if (root.querySelectorAll) dialogs = dialogs.concat(Array.from(root.querySelectorAll("dialog[data-autoopen]")));
    dialogs.forEach(function (dialog) {
      dialog.removeAttribute("data-autoopen");
      dialog.addEventListener("close", function () {
        dialog.remove();
        returnFocus();
      });
      if (!dialog.open) dialog.showModal();
    });
  }

  // The element whose request opened the current dialog: focus goes back
  // to it when the dialog closes, or to Quick Actions when it is gone or
  // hidden (a link of the closed menu, a profile swapped after success).
  var dialogOpener = null;

  function returnFocus() {
    var opener = dialogOpener;
    dialogOpener = null;
    if (opener && opener.isConnected && opener.checkVisibility && opener.checkVisibility()) {
      opener.focus();
      return;
    }
    var quickActions = document.getElementById("quick-actions-button");
    if (quickActions) quickActions.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "dialog-slot" && !event.detail.elt.closest("dialog")) {
      dialogOpener = event.detail.elt;
    }
  });

  document.documentElement.classList.add("js");

  // The phone's Menu button shows and hides the navigation (a disclosure).
  function toggleNav(toggle, open) {
    toggle.setAttribute("aria-expanded", String(open));
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      toggleNav(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var button = event.target.closest("[data-quick-actions] button[aria-controls]");
    if (button) {
      if (button.getAttribute("aria-expanded") === "true") {
        closeMenus(null);
      } else {
        openMenu(button, false);
      }
      return;
    }
    var cancel = event.target.closest("dialog [data-dialog-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.closest("dialog").close();
      return;
    }
    if (event.target.closest("[data-quick-actions] a")) {
      closeMenus(null);
      return;
    }
    if (!event.target.closest("[data-quick-actions]")) closeMenus(null);
  });

  // The keys of a menu button: on the button, ArrowDown (Enter and Space
  // click it) opens on the first item and ArrowUp on the last; in the
  // menu, arrows move round it, Home and End jump, Space activates, Escape
  // closes it back to the button, Tab closes it and moves on.
  document.addEventListener("keydown", function (event) {
    var button = event.target.closest("[data-quick-actions] button[aria-controls]");
    if (button && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      openMenu(button, event.key === "ArrowUp");
      return;
    }
    var item = event.target.closest("[role='menu'] [role='menuitem']");
    if (item) {
      var menu = item.closest("[role='menu']");
      var opener = document.querySelector("[aria-controls='" + menu.id + "']");
      var items = menuItems(menu);
      var at = items.indexOf(item);
      var next = {
        ArrowDown: items[(at + 1) % items.length],
        ArrowUp: items[(at - 1 + items.length) % items.length],
        Home: items[0],
        End: items[items.length - 1],
      }[event.key];
      if (next) {
        event.preventDefault();
        next.focus();
      } else if (event.key === " ") {
        event.preventDefault();
        item.click();
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMenus(null);
        if (opener) opener.focus();
      } else if (event.key === "Tab") {
        closeMenus(null);
      }
      return;
    }
    if (event.key !== "Escape") return;
    var openNav = document.querySelector("[data-nav-toggle][aria-expanded='true']");
    if (openNav && document.getElementById(openNav.getAttribute("aria-controls")).contains(event.target)) {
      toggleNav(openNav, false);
      openNav.focus();
      return;
    }
    var openButton = document.querySelector("[data-quick-actions] [aria-expanded='true']");
    if (openButton && !document.querySelector("dialog[open]")) {
      closeMenus(null);
      openButton.focus();
    }
  });

  // Sent by the server (HX-Trigger) once Make Inactive / Re-Activate is done.
  document.addEventListener("petcare:dialog-close", function () {
    document.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
  });

  // A refusal (4xx/5xx) that the server sends as a dialog is ours to show.
  // Stop it here, before django-htmx's DEBUG helper (listening on document)
  // replaces the whole page with it.
  document.documentElement.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget") === "#dialog-slot") {
      event.stopPropagation();
    }
  });

  htmx.onLoad(function (element) {
    enhanceMenus(element);
    openDialogs(element);
  });
})();
