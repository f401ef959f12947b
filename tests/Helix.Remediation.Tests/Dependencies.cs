using Helix.Testing;

namespace Helix.Remediation.Tests;

[CollectionDefinition(Name)]
public sealed class GitDependency : ICollectionFixture<GitFixture>
{
    public const string Name = "git";
}

[CollectionDefinition(Name)]
public sealed class PostgresDependency : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
