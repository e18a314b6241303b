// A Relay container's fragments: a refetchable Movie, and a company's movies as a paginated connection.
const { graphql } = require("relay-runtime");

graphql`
  fragment MovieCard_movie on Movie @refetchable(queryName: "MovieCardRefetchQuery") {
    id
    tmdbId
    title
  }
`;

graphql`
  fragment MovieCard_company on Company
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" })
  @refetchable(queryName: "MovieCardCompanyMoviesPaginationQuery") {
    id
    name
    movies(first: $count, after: $cursor) @connection(key: "MovieCard_company_movies") {
      totalCount
      edges {
        node {
          id
          ...MovieCard_movie
        }
      }
    }
  }
`;

graphql`
  query MovieCardSameNumberQuery($n: ID!) {
    movie(id: $n) {
      id
      tmdbId
      title
    }
    company(id: $n) {
      id
      tmdbId
      name
    }
    person(id: $n) {
      id
      tmdbId
      name
    }
  }
`;
