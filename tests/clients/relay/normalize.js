// relay-runtime normalises a real answer of the served API (argv[2]: its URL; argv[3]: the shared
// TMDB number) into its store; prints JSON: the store's records and every warning Relay raised.
// argv[4] = "colliding" instead answers a canned response whose movie and company share an id, as
// the API answered before global ids: the check that warnings are caught at all.
const { Environment, Network, RecordSource, Store, fetchQuery } = require("relay-runtime");
const query = require("./src/__generated__/MovieCardSameNumberQuery.graphql");

const warnings = [];
for (const method of ["warn", "error"]) {
  console[method] = (...args) => warnings.push(args.map(String).join(" "));
}

async function main() {
  const [url, number, mode] = process.argv.slice(2);
  const fetchFn = async (params, variables) => {
    if (mode === "colliding") {
      return { data: { movie: { id: "13", tmdbId: 13, title: "A" }, company: { id: "13", tmdbId: 13, name: "B" },
                       person: { id: "14", tmdbId: 14, name: "C" } } };
    }
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
                                        body: JSON.stringify({ query: params.text, variables }) });
    return response.json();
  };
  const environment = new Environment({ network: Network.create(fetchFn), store: new Store(new RecordSource()) });
  const data = await fetchQuery(environment, query, { n: String(number) }).toPromise();
  process.stdout.write(JSON.stringify({ data, records: environment.getStore().getSource().toJSON(), warnings }));
}

main().catch((error) => { process.stderr.write(String(error.stack || error)); process.exit(1); });
