using StackExchange.Redis;

namespace Helix.Testing.Tests;

[Collection(RedisDependency.Name)]
public sealed class RedisSmokeTests(RedisFixture redis)
{
    [Fact]
    public async Task SetGet_StaysUnderTheTestsPrefix()
    {
        string prefix;
        await using (var keyspace = await redis.CreateKeyspaceAsync())
        {
            prefix = keyspace.Prefix;
            Assert.True(await keyspace.Database.StringSetAsync("greeting", "hello", TimeSpan.FromMinutes(1)));
            Assert.Equal("hello", (string?)await keyspace.Database.StringGetAsync("greeting"));

            var raw = keyspace.Connection.GetDatabase();
            Assert.Equal("hello", (string?)await raw.StringGetAsync(prefix + "greeting"));
            Assert.False(await raw.KeyExistsAsync("greeting"));
        }

        var connection = await redis.ConnectAsync();
        Assert.False(await connection.GetDatabase().KeyExistsAsync((RedisKey)(prefix + "greeting")));
    }
}
