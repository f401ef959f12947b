using Helix.Testing;

namespace Helix.Webhooks.Tests;

[CollectionDefinition(Name)]
public sealed class NatsDependency : ICollectionFixture<NatsFixture>
{
    public const string Name = "nats";
}
