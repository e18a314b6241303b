// Apollo Client 4 with its persisted-query link against a served /graphql (argv[2]). Prints JSON:
// each step's data and every HTTP exchange the clients made (method, hash-only or not, status, headers).
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { createHash } from "node:crypto";

const url = process.argv[2];
const exchanges = [];

async function recordingFetch(input, init = {}) {
  const response = await fetch(input, init);
  const body = await response.clone().text();
  const sent = init.body ? JSON.parse(init.body) : Object.fromEntries(new URL(String(input)).searchParams);
  exchanges.push({
    method: init.method ?? "GET",
    hashOnly: !sent.query,
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    etag: response.headers.get("etag"),
    errorCodes: (JSON.parse(body).errors ?? []).map((error) => error.extensions?.code),
  });
  return response;
}

function client({ useGETForHashedQueries = false } = {}) {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries });
  return new ApolloClient({ cache: new InMemoryCache(), link: link.concat(new HttpLink({ uri: url, fetch: recordingFetch })) });
}

const MOVIE = gql`query Movie($id: ID!) { movie(id: $id) { title releaseDate } }`;
const GENRES = gql`query Genres { genres(first: 3) { totalCount edges { node { name movieCount } } } }`;

const steps = {};
const mark = () => exchanges.length;
let start = mark();
steps.first = { data: (await client().query({ query: MOVIE, variables: { id: "862" } })).data, exchanges: exchanges.slice(start) };
start = mark();
steps.second = { data: (await client().query({ query: MOVIE, variables: { id: "862" } })).data, exchanges: exchanges.slice(start) };
start = mark();
steps.getFirst = { data: (await client({ useGETForHashedQueries: true }).query({ query: GENRES })).data, exchanges: exchanges.slice(start) };
start = mark();
steps.getSecond = { data: (await client({ useGETForHashedQueries: true }).query({ query: GENRES })).data, exchanges: exchanges.slice(start) };
console.log(JSON.stringify(steps));
