/* sitegen search UI: results under the header box on every page, and the /search/ page.
 * Loaded by search-boot.js after lunr.min.js and search-engine.js. Paper text reaches the page
 * only through textContent and text nodes, never as HTML.
 */
(function () {
  "use strict";
  var S = window.SitegenSearch;
  var form = document.querySelector("form[data-search-index]");
  if (!S || !form || form.hasAttribute("data-search-ready")) { return; }
  form.setAttribute("data-search-ready", "");

  var PAGE_SIZE = 10, PANEL_SIZE = 6, SNIPPET_WORDS = 32;
  var headerInput = form.querySelector("input[name=q]");
  var panel = form.querySelector("[data-search-panel]");
  var base = form.getAttribute("data-search-base").replace(/\/$/, "");
  var searchPage = form.getAttribute("action");
  var engine = new S.Engine(new URL(form.getAttribute("data-search-index"), document.baseURI).href, function (url, options) {
    return fetch(url, options && options.fresh ? {cache: "no-cache"} : {}).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  });
  var page = document.querySelector("[data-search-page]");
  var pageInput = page && page.querySelector("input[name=q]");
  var latest = 0;

  /* ---- text: words, highlighting, snippets ---- */
  var termCache = new Map();
  function termOf(word) {
    var term = termCache.get(word);
    if (term === undefined) {
      if (termCache.size > 50000) { termCache.clear(); }
      term = S.termOf(word);
      termCache.set(word, term);
    }
    return term;
  }

  /* Words of a text with their offsets (split as lunr's tokenizer splits) and index terms. */
  function words(text) {
    var found = [], pattern = /[^\s\-]+/g, match;
    while ((match = pattern.exec(text)) !== null) {
      var word = match[0];
      var lead = word.match(/^[^\p{L}\p{N}_]*/u)[0].length, trail = word.match(/[^\p{L}\p{N}_]*$/u)[0].length;
      found.push({start: match.index, end: match.index + word.length, core: [match.index + lead, match.index + Math.max(lead, word.length - trail)], term: termOf(word)});
    }
    return found;
  }

  /* Append text[from, to) to `parent`, wrapping the words whose term matched in <mark>. */
  function appendMarked(parent, text, list, from, to, matched) {
    var at = from;
    list.forEach(function (w) {
      if (w.start < from || w.end > to || !matched[w.term] || w.core[1] <= w.core[0]) { return; }
      parent.appendChild(document.createTextNode(text.slice(at, w.core[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(w.core[0], w.core[1]);
      parent.appendChild(mark);
      at = w.core[1];
    });
    parent.appendChild(document.createTextNode(text.slice(at, to)));
  }

  function highlighted(tag, className, text, matched) {
    var element = document.createElement(tag);
    element.className = className;
    appendMarked(element, text, words(text), 0, text.length, matched);
    return element;
  }

  /* About SNIPPET_WORDS words of the abstract around its densest run of matches. */
  function snippet(text, matched) {
    var list = words(text), hits = [];
    list.forEach(function (w, i) { if (matched[w.term]) { hits.push(i); } });
    var start = 0;
    if (hits.length) {
      var best = -1;
      hits.forEach(function (hit) {
        var from = Math.max(0, hit - 6), count = 0;
        hits.forEach(function (other) { if (other >= from && other < from + SNIPPET_WORDS) { count++; } });
        if (count > best) { best = count; start = from; }
      });
    }
    var end = Math.min(list.length, start + SNIPPET_WORDS);
    var element = document.createElement("p");
    element.className = "search-result__snippet";
    if (!list.length) { return element; }
    if (start > 0) { element.appendChild(document.createTextNode("… ")); }
    appendMarked(element, text, list, list[start].start, list[end - 1].end, matched);
    if (end < list.length) { element.appendChild(document.createTextNode(" …")); }
    return element;
  }

  function matchedTerms(result) {
    var matched = Object.create(null);
    Object.keys(result.matchData.metadata).forEach(function (term) { if (term) { matched[term] = true; } });
    return matched;
  }

  /* ---- results ---- */
  function authorsLine(authors) {
    return authors.length > 4 ? authors.slice(0, 3).join(", ") + " et al." : authors.join(", ");
  }

  function meta(card, className) {
    var line = document.createElement("p");
    line.className = className;
    if (card[2].length) {
      var authors = document.createElement("span");
      authors.textContent = authorsLine(card[2]);
      line.appendChild(authors);
    }
    if (card[3]) {
      var time = document.createElement("time");
      time.dateTime = card[4];
      time.textContent = card[3];
      line.appendChild(time);
    }
    return line;
  }

  function resultItem(result, card, full) {
    var matched = matchedTerms(result), item = document.createElement("li"), link = document.createElement("a");
    item.className = "search-result";
    link.className = "search-result__link";
    link.href = base + card[1];
    if (full) {
      var heading = document.createElement("h2");
      heading.className = "search-result__title";
      link.appendChild(highlighted("span", "", card[0], matched));
      heading.appendChild(link);
      item.appendChild(heading);
      item.appendChild(meta(card, "search-result__meta"));
      item.appendChild(snippet(card[6], matched));
      if (card[5].length) {
        var tags = document.createElement("ul");
        tags.className = "search-result__tags";
        tags.setAttribute("aria-label", "Tags");
        card[5].forEach(function (name) {
          var tag = document.createElement("li");
          tag.textContent = name;
          tags.appendChild(tag);
        });
        item.appendChild(tags);
      }
    } else {
      link.appendChild(highlighted("span", "search-result__title", card[0], matched));
      link.appendChild(meta(card, "search-result__meta"));
      item.appendChild(link);
    }
    return item;
  }

  function quoted(query) { return "“" + query.trim() + "”"; }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function noResults(answer, query) {
    if (!answer.clauses) { return "Type a word to search."; }
    return "No papers match " + quoted(query) + ". Check the spelling, use fewer words, or end a word with * (scal*) to match its beginning.";
  }

  function plainNote(answer) {
    return answer.plain ? " (searched for the words " + answer.words.join(", ") + ")" : "";
  }

  function announce(detail) {
    document.dispatchEvent(new CustomEvent("sitegen:search-results", {detail: detail}));
  }

  /* Search and show; the latest keystroke wins. The search starts on a fresh task, so keys typed
     while an earlier query ran replace it instead of queueing behind it. */
  function run(query, started, show) {
    var ticket = ++latest;
    if (!query.trim()) { show(null, [], []); return; }
    setTimeout(function () {
      if (ticket !== latest) { return; }
      engine.search(query).then(function (answer) {
        if (ticket !== latest) { return null; }
        var shown = answer.clauses ? answer.results.slice(0, show.size) : [];
        return engine.documents(shown.map(function (r) { return r.ref; })).then(function (cards) {
          if (ticket !== latest) { return; }
          show(answer, shown, cards);
          announce({query: query, count: answer.clauses ? answer.results.length : 0, elapsed: performance.now() - started});
        });
      }).catch(function (error) {
        if (ticket === latest) { show({error: error}, [], []); }
      });
    }, 0);
  }

  /* ---- keyboard: arrows move between the box and the results ---- */
  function arrowKeys(container, input, onEscape) {
    container.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var links = Array.prototype.slice.call(container.querySelectorAll("a.search-result__link"));
      var at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && (at >= 0 || document.activeElement === input) && links.length) {
        links[Math.min(at + 1, links.length - 1)].focus();
        event.preventDefault();
      } else if (event.key === "ArrowUp" && at >= 0) {
        (at === 0 ? input : links[at - 1]).focus();
        event.preventDefault();
      } else if (event.key === "Escape" && onEscape) {
        onEscape();
        input.focus();
        event.preventDefault();
      }
    });
  }

  /* ---- the search page ---- */
  function startPage() {
    var status = page.querySelector("[data-search-status]");
    var list = page.querySelector("[data-search-results]");
    var more = page.querySelector("[data-search-more]");
    var current = null;

    function show(answer, shown, cards) {
      list.textContent = "";
      more.hidden = true;
      current = answer;
      if (!answer) { status.textContent = ""; return; }
      if (answer.error) { status.textContent = "Search is unavailable: its index could not be loaded."; return; }
      var query = pageInput.value;
      if (!shown.length) { status.textContent = noResults(answer, query); return; }
      status.textContent = plural(answer.results.length, "paper") + " match " + quoted(query) + plainNote(answer) + ".";
      shown.forEach(function (result, i) { list.appendChild(resultItem(result, cards[i], true)); });
      more.hidden = answer.results.length <= shown.length;
    }
    show.size = PAGE_SIZE;

    function update(query, started) {
      var url = new URL(window.location.href);
      if (query) { url.searchParams.set("q", query); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url.href);
      run(query, started, show);
    }

    more.addEventListener("click", function () {
      if (!current || !current.results) { return; }
      var shown = list.children.length, next = current.results.slice(shown, shown + PAGE_SIZE);
      engine.documents(next.map(function (r) { return r.ref; })).then(function (cards) {
        next.forEach(function (result, i) { list.appendChild(resultItem(result, cards[i], true)); });
        more.hidden = current.results.length <= list.children.length;
        var first = list.children[shown] && list.children[shown].querySelector("a");
        if (first) { first.focus(); }
      });
    });
    [pageInput, headerInput].forEach(function (input) {
      input.addEventListener("input", function (event) {
        var started = event.timeStamp || performance.now();
        pageInput.value = headerInput.value = input.value;
        update(input.value, started);
      });
      input.form.addEventListener("submit", function (event) {
        event.preventDefault();
        update(input.value, performance.now());
      });
    });
    arrowKeys(page, pageInput, null);
    var initial = new URLSearchParams(window.location.search).get("q") || pageInput.value || "";
    pageInput.value = headerInput.value = initial;
    run(initial, performance.now(), show);
  }

  /* ---- the header box on every other page ---- */
  function startPanel() {
    function close() {
      panel.hidden = true;
    }

    function show(answer, shown, cards) {
      panel.textContent = "";
      if (!answer) { close(); return; }
      var status = document.createElement("p");
      status.className = "site-search__status";
      status.setAttribute("role", "status");
      panel.appendChild(status);
      if (answer.error) {
        status.textContent = "Search is unavailable: its index could not be loaded.";
      } else if (!shown.length) {
        status.textContent = noResults(answer, headerInput.value);
      } else {
        status.textContent = plural(answer.results.length, "paper") + " found" + plainNote(answer);
        var list = document.createElement("ol");
        list.className = "site-search__results";
        shown.forEach(function (result, i) { list.appendChild(resultItem(result, cards[i], false)); });
        panel.appendChild(list);
        if (answer.results.length > shown.length) {
          var all = document.createElement("a");
          all.className = "site-search__all";
          all.href = searchPage + "?q=" + encodeURIComponent(headerInput.value);
          all.textContent = "Show all " + plural(answer.results.length, "result");
          panel.appendChild(all);
        }
      }
      panel.hidden = false;
    }
    show.size = PANEL_SIZE;

    headerInput.addEventListener("input", function (event) {
      run(headerInput.value, event.timeStamp || performance.now(), show);
    });
    headerInput.addEventListener("focus", function () {
      if (headerInput.value.trim() && panel.childNodes.length) { panel.hidden = false; }
    });
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) { close(); }
    });
    document.addEventListener("pointerdown", function (event) {
      if (!form.contains(event.target)) { close(); }
    });
    arrowKeys(form, headerInput, close);
    if (headerInput.value.trim()) { run(headerInput.value, performance.now(), show); }
  }

  if (page && pageInput) { startPage(); } else { startPanel(); }
}());
