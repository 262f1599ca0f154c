/* Test helper: runs lunr.js 2.3.9 and sitegen's split-index engine in Node.
 *
 * usage: node lunr_check.js JOB.json   (prints one JSON value: a list with one answer per task)
 * JOB = {lunr: path to lunr(.min).js, engine: path to search-engine.js, tasks: [task, …]}, each task one of
 *   {build: {fields, boosts, rows}, out: path}    lunr.js builds the index; writes JSON.stringify(index) to out
 *   {search: path to an index JSON, queries}      lunr.Index.load(…).search(q) per query: results or the error
 *   {fill: path to an index JSON, queries}        the unsplit index, queried the way the engine compiles queries
 *   {split: path to a search folder, queries}     the engine over the split files (read from disk)
 *   {pipeline: [token, …]}                        lunr's trimmer, stopWordFilter, stemmer per token: term or null
 * A query's answer is {results: [[ref, score, [matched terms]], …]} or {error: message}.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const lunr = require(path.resolve(job.lunr));
const SitegenSearch = require(path.resolve(job.engine))(lunr);

function shape(results) {
  return {results: results.map((r) => [r.ref, r.score, Object.keys(r.matchData.metadata).sort()])};
}

function build(spec) {
  return lunr(function () {
    this.ref("ref");
    spec.fields.forEach((field, i) => this.field(field, {boost: spec.boosts[i]}));
    spec.rows.forEach((row, n) => {
      const doc = {ref: String(n)};
      spec.fields.forEach((field, i) => { doc[field] = row[i]; });
      this.add(doc);
    });
  });
}

async function run(task) {
  if (task.pipeline) {
    const pipeline = new lunr.Pipeline();
    pipeline.add(lunr.trimmer, lunr.stopWordFilter, lunr.stemmer);
    return task.pipeline.map((token) => {
      const out = pipeline.run([new lunr.Token(token)]);
      return out.length ? out[0].toString() : null;
    });
  }
  if (task.build) {
    fs.writeFileSync(task.out, JSON.stringify(build(task.build)));
    return "ok";
  }
  if (task.search || task.fill) {
    const index = lunr.Index.load(JSON.parse(fs.readFileSync(task.search || task.fill, "utf8")));
    return task.queries.map((q) => {
      try {
        if (task.search) return shape(index.search(q));
        return shape(index.query(SitegenSearch.compile(SitegenSearch.fold(q), index.fields).fill));
      } catch (error) {
        return {error: String(error.message || error)};
      }
    });
  }
  if (task.split) {
    const engine = new SitegenSearch.Engine(task.split.replace(/\/?$/, "/"), (url) =>
      fs.promises.readFile(url, "utf8").then(JSON.parse));
    const answers = [];
    for (const q of task.queries) {
      try {
        answers.push(shape((await engine.search(q)).results));
      } catch (error) {
        answers.push({error: String(error.message || error)});
      }
    }
    return answers;
  }
  throw new Error("unknown task " + JSON.stringify(Object.keys(task)));
}

(async () => {
  const answers = [];
  for (const task of job.tasks) answers.push(await run(task));
  process.stdout.write(JSON.stringify(answers));
})().catch((error) => { console.error(error); process.exit(1); });
