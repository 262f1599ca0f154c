/* sitegen search engine: answers lunr queries with lunr.js 2.3.9 over the split index.
 *
 * The index is cut by term into shards (docs/search.md). For each query this loads the shards
 * holding the terms the query can match, rebuilds lunr.js postings and field vectors from them and
 * lets lunr.Index#query do the rest. A document's score only involves the entries of its field
 * vectors for the query's terms, so the results, scores and order equal those of the unsplit index.
 *
 * Browser: window.SitegenSearch = factory(window.lunr). Node (tests): module.exports = factory.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory;
  } else {
    root.SitegenSearch = factory(root.lunr);
  }
}(this, function (lunr) {
  "use strict";

  var FORMAT = 2;  // sitegen/search_shards.py:FORMAT
  var EMPTY_METADATA = {};  // lunr keeps no token metadata in this index; never mutated by lunr
  var EMPTY_VECTOR = new lunr.Vector([]);
  var FOLD_EXTRA = {"ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "ı": "i"};
  var FOLD_EXTRA_RE = /[ßẞÆæŒœØøŁłĐđÐðÞþı]/g;
  var COMBINING_MARK = /\p{Mn}/gu;
  var PLAIN_SPLIT = /[\s\-:^~*+\\]+/;

  /* The same folding as sitegen/search_text.py:fold, applied to documents at build time. */
  function fold(text) {
    if (/^[\x00-\x7f]*$/.test(text)) { return text; }
    return text.normalize("NFKD").replace(COMBINING_MARK, "").replace(FOLD_EXTRA_RE, function (c) { return FOLD_EXTRA[c]; });
  }

  /* lunr.trimmer's rule, for words of a query that lunr could not parse. */
  function trimWord(word) {
    return word.replace(/^\W+/, "").replace(/\W+$/, "");
  }

  /* A query-filling function for lunr.Index#query, and whether the text had to be read as plain
     words because lunr's query parser rejected it ("title:", "foo^x", "arXiv:2010.14701"). */
  function compile(text, fields) {
    var probe = new lunr.Query(fields);
    try {
      new lunr.QueryParser(text, probe).parse();
      return {plain: false, clauses: probe.clauses.length, fill: function (query) { new lunr.QueryParser(text, query).parse(); }};
    } catch (error) {
      if (!(error instanceof lunr.QueryParseError)) { throw error; }
    }
    var words = text.toLowerCase().split(PLAIN_SPLIT).map(trimWord).filter(Boolean);
    return {plain: true, words: words, clauses: words.length, fill: function (query) {
      words.forEach(function (word) { query.term(word, {}); });
    }};
  }

  function Engine(root, fetchJSON) {
    this.root = root;              // URL of the site's /search/ folder, ending in "/"
    this.fetchJSON = fetchJSON;    // (url, {fresh}) -> Promise of the parsed JSON; fresh: revalidate
    this.reset();
  }

  /* Forget everything loaded: after a deploy the files the old meta.json named are gone. */
  Engine.prototype.reset = function () {
    this.generation = (this.generation || 0) + 1;  // loads begun before a reset are dropped
    this.meta = null;
    this.ready = null;
    this.shardLoads = [];          // shard number -> Promise
    this.shardTerms = [];          // shard number -> its terms, in lunr.js order
    this.chunkLoads = [];
    this.invertedIndex = Object.create(null);
    this.fieldVectors = Object.create(null);
    this.allFieldVectors = null;   // every field ref in lunr.Builder's order, for negated queries
    this.tokenSets = {key: null, set: null};
    this.dictionary = null;
    this.answers = new Map();      // query text -> Promise of its answer (most recent 30)
  };

  Engine.prototype.load = function () {
    var self = this, generation = this.generation;
    if (!this.ready) {
      this.ready = this.fetchJSON(this.root + "meta.json", {fresh: true}).then(function (meta) {
        if (generation !== self.generation) { throw new Error("the search index changed while loading"); }
        if (meta.format !== FORMAT) { throw new Error("search index format " + meta.format + ", expected " + FORMAT); }
        self.meta = meta;
        self.fields = meta.fields;
        self.pipeline = lunr.Pipeline.load(meta.pipeline);
        return meta;
      }, function (error) {
        self.ready = null;  // let the next query try again
        throw error;
      });
    }
    return this.ready;
  };

  /* The shard whose range holds `term`: the last shard whose first term is <= term, or -1. */
  Engine.prototype.shardOf = function (term) {
    var firsts = this.meta.shards, low = 0, high = firsts.length - 1, found = -1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (firsts[mid] <= term) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found;
  };

  /* Every shard that can hold a term starting with `prefix` (terms with a prefix are contiguous). */
  Engine.prototype.shardsWithPrefix = function (prefix) {
    var firsts = this.meta.shards, start = Math.max(this.shardOf(prefix), 0), found = firsts.length ? [start] : [];
    for (var n = start + 1; n < firsts.length && firsts[n].slice(0, prefix.length) === prefix; n++) { found.push(n); }
    return found;
  };

  Engine.prototype.loadDictionary = function () {
    var self = this;
    if (!this.dictionary) {
      this.dictionary = this.fetchJSON(this.root + "terms." + this.meta.terms + ".json").then(function (terms) {
        return lunr.TokenSet.fromArray(terms);
      }, function (error) {
        self.dictionary = null;
        throw error;
      });
    }
    return this.dictionary;
  };

  /* Which shards a query needs: the shard of each plain term, every shard in a wildcard's prefix
     range, and for fuzzy terms and leading wildcards the shards of the terms they expand to in
     the full term list (the same expansion lunr makes over the unsplit index). */
  Engine.prototype.plan = function (query) {
    var self = this, shards = {}, open = [];
    query.clauses.forEach(function (clause) {
      var terms = clause.usePipeline ? self.pipeline.runString(clause.term, {fields: clause.fields}) : [clause.term];
      terms.forEach(function (term) {
        var star = term.indexOf("*");
        if ("editDistance" in clause || star === 0) {
          open.push("editDistance" in clause ? {term: term, editDistance: clause.editDistance} : {term: term});
        } else if (star > 0) {
          self.shardsWithPrefix(term.slice(0, star)).forEach(function (n) { shards[n] = true; });
        } else {
          var n = self.shardOf(term);
          if (n >= 0) { shards[n] = true; }
        }
      });
    });
    if (!open.length) { return Promise.resolve(shards); }
    return this.loadDictionary().then(function (all) {
      open.forEach(function (clause) {
        all.intersect(lunr.TokenSet.fromClause(clause)).toArray().forEach(function (term) { shards[self.shardOf(term)] = true; });
      });
      return shards;
    });
  };

  Engine.prototype.loadShard = function (n) {
    var self = this, generation = this.generation;
    if (!this.shardLoads[n]) {
      this.shardLoads[n] = this.fetchJSON(this.root + "t/" + n + "." + this.meta.shardFiles[n] + ".json").then(function (entries) {
        if (generation !== self.generation) { throw new Error("the search index changed while loading"); }
        self.addShard(n, entries);
      }, function (error) {
        self.shardLoads[n] = null;  // let the next query try again
        throw error;
      });
    }
    return this.shardLoads[n];
  };

  /* Shard entries are [term, _index, then per field: document number deltas, weights in thousandths]. */
  Engine.prototype.addShard = function (n, entries) {
    var fields = this.fields, terms = new Array(entries.length);
    for (var e = 0; e < entries.length; e++) {
      var entry = entries[e], term = entry[0], termIndex = entry[1], posting = Object.create(null);
      terms[e] = term;
      posting._index = termIndex;
      for (var f = 0; f < fields.length; f++) {
        var field = fields[f], deltas = entry[2 + 2 * f], weights = entry[3 + 2 * f];
        var fieldPosting = posting[field] = Object.create(null);
        for (var k = 0, doc = 0; k < deltas.length; k++) {
          doc += deltas[k];
          fieldPosting[doc] = EMPTY_METADATA;
          var ref = field + "/" + doc, vector = this.fieldVectors[ref];
          if (vector === undefined) {
            vector = this.fieldVectors[ref] = new lunr.Vector();
            if (this.allFieldVectors) { this.allFieldVectors[ref] = vector; }
          }
          vector.insert(termIndex, weights[k] / 1000);  // the very double lunr.Builder stored
        }
      }
      this.invertedIndex[term] = posting;
    }
    this.shardTerms[n] = terms;
  };

  /* lunr lists every field ref of the index for a query of prohibited terms only. */
  Engine.prototype.everyFieldVector = function () {
    if (!this.allFieldVectors) {
      var all = {};
      for (var doc = 0; doc < this.meta.count; doc++) {
        for (var f = 0; f < this.fields.length; f++) {
          var ref = this.fields[f] + "/" + doc;
          all[ref] = this.fieldVectors[ref] || EMPTY_VECTOR;
        }
      }
      this.allFieldVectors = all;
    }
    return this.allFieldVectors;
  };

  /* The token set of the loaded shards a query needs, in lunr.js's sort order. */
  Engine.prototype.tokenSetFor = function (numbers) {
    var key = numbers.join(",");
    if (this.tokenSets.key !== key) {
      var terms = [], shardTerms = this.shardTerms;
      numbers.forEach(function (n) { terms = terms.concat(shardTerms[n]); });
      this.tokenSets = {key: key, set: lunr.TokenSet.fromArray(terms)};
    }
    return this.tokenSets.set;
  };

  /* Search with lunr query syntax; resolves to {results, plain, words, clauses} where results are
     lunr.Index~Result objects ({ref, score, matchData}) and ref is the document number as text. */
  Engine.prototype.search = function (text) {
    var self = this, cached = this.answers.get(text);
    if (cached) { return cached; }
    var answer = this.answer(text);
    this.answers.set(text, answer);
    if (this.answers.size > 30) { this.answers.delete(this.answers.keys().next().value); }
    answer.catch(function () { self.reset(); });  // e.g. a new deploy removed the files it named: start over
    return answer;
  };

  /* The same answer every time for the same text (results are exact whatever else is loaded),
     so recent answers are kept: backspacing and retyping cost nothing. */
  Engine.prototype.answer = function (text) {
    var self = this;
    return this.load().then(function () {
      var compiled = compile(fold(text), self.fields), probe = new lunr.Query(self.fields);
      compiled.fill(probe);
      return self.plan(probe).then(function (shards) {
        var numbers = Object.keys(shards).map(Number).sort(function (a, b) { return a - b; });
        return Promise.all(numbers.map(function (n) { return self.loadShard(n); })).then(function () {
          var index = new lunr.Index({
            invertedIndex: self.invertedIndex,
            fieldVectors: probe.isNegated() ? self.everyFieldVector() : self.fieldVectors,
            tokenSet: self.tokenSetFor(numbers),
            fields: self.fields,
            pipeline: self.pipeline
          });
          return {results: index.query(compiled.fill), plain: compiled.plain, words: compiled.words || null, clauses: compiled.clauses};
        });
      });
    });
  };

  /* The stored document (title, url, authors, date, ISO date, tags, text) of result refs. */
  Engine.prototype.documents = function (refs) {
    var self = this;
    return this.load().then(function () {
      var size = self.meta.chunk;
      return Promise.all(refs.map(function (ref) {
        var n = Math.floor(Number(ref) / size);
        if (!self.chunkLoads[n]) {
          self.chunkLoads[n] = self.fetchJSON(self.root + "d/" + n + "." + self.meta.chunkFiles[n] + ".json").catch(function (error) {
            self.chunkLoads[n] = null;
            throw error;
          });
        }
        return self.chunkLoads[n].then(function (chunk) { return chunk[Number(ref) % size]; });
      }));
    });
  };

  /* The index terms a word of a document becomes (for highlighting what matched). */
  function termOf(word) {
    var token = new lunr.Token(fold(word).toLowerCase());
    return lunr.stemmer(lunr.trimmer(token)).toString();
  }

  return {Engine: Engine, fold: fold, compile: compile, termOf: termOf};
}));
