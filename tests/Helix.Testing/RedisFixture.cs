using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Helix.Testing;

/// <summary>Redis, shared connection; each test works under its own key prefix.</summary>
public sealed class RedisFixture : IAsyncDisposable
{
    private ConnectionMultiplexer? _connection;

    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        return _connection ??= await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { TestEnvironment.Require("HELIX_TEST_REDIS", "Redis") },
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
        });
    }

    public async Task<RedisKeyspace> CreateKeyspaceAsync()
    {
        var connection = await ConnectAsync();
        return new RedisKeyspace($"{TestEnvironment.UniqueName("t")}:", connection);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}

public sealed class RedisKeyspace(string prefix, ConnectionMultiplexer connection) : IAsyncDisposable
{
    public string Prefix { get; } = prefix;

    public ConnectionMultiplexer Connection { get; } = connection;

    /// <summary>The database with every key transparently prefixed.</summary>
    public IDatabase Database { get; } = connection.GetDatabase().WithKeyPrefix(prefix);

    public async ValueTask DisposeAsync()
    {
        var raw = Connection.GetDatabase();
        foreach (var server in Connection.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: Prefix + "*"))
            {
                await raw.KeyDeleteAsync(key);
            }
        }
    }
}
