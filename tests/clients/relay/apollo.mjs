// Apollo Client 4 against the served API (argv[2]: its URL): relayStylePagination pages a
// company's movies, and rateMovie updates the cached Rating without a refetch. Prints JSON.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { readFileSync } from "node:fs";

const [url, companyId, userId, movieId, possibleTypesPath] = process.argv.slice(2);
const sent = [];
const countingFetch = (input, init) => {
  sent.push(JSON.parse(init.body).operationName);
  return fetch(input, init);
};
const cache = new InMemoryCache({
  possibleTypes: JSON.parse(readFileSync(possibleTypesPath, "utf8")),
  typePolicies: { Company: { fields: { movies: relayStylePagination(["orderBy"]) } } },
});
const client = new ApolloClient({ link: new HttpLink({ uri: url, fetch: countingFetch }), cache });

const MOVIES = gql`
  query CompanyMovies($id: ID!, $after: String) {
    company(id: $id) { id movies(first: 2, after: $after) { totalCount edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }
  }
`;
const RATING = gql`
  query UserRating($ids: [ID!]!) { nodes(ids: $ids) { id ... on Rating { rating movie { id } } } }
`;
const RATE = gql`
  mutation Rate($movie: ID!, $user: ID!, $rating: Float!) {
    rateMovie(movie: $movie, user: $user, rating: $rating) { id rating user { id } movie { id } }
  }
`;

async function main() {
  const first = await client.query({ query: MOVIES, variables: { id: companyId } });
  const watched = client.watchQuery({ query: MOVIES, variables: { id: companyId } });
  await watched.fetchMore({ variables: { after: first.data.company.movies.pageInfo.endCursor } });
  const paged = client.readQuery({ query: MOVIES, variables: { id: companyId } });

  const before = await client.mutate({ mutation: RATE, variables: { movie: movieId, user: userId, rating: 2 } });
  const ratingId = before.data.rateMovie.id;
  await client.query({ query: RATING, variables: { ids: [ratingId] } });
  const sentBefore = sent.length;
  await client.mutate({ mutation: RATE, variables: { movie: movieId, user: userId, rating: 4.5 } });
  const cached = client.readQuery({ query: RATING, variables: { ids: [ratingId] } });
  process.stdout.write(JSON.stringify({
    paged: paged.company.movies.edges.map((edge) => edge.node),
    totalCount: paged.company.movies.totalCount,
    cachedRating: cached.nodes[0],
    sentAfterMutation: sent.slice(sentBefore),
    sent,
  }));
}

main().catch((error) => { process.stderr.write(String(error.stack || error)); process.exit(1); });
