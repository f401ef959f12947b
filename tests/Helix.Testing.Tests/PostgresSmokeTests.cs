using Npgsql;

namespace Helix.Testing.Tests;

[Collection(PostgresDependency.Name)]
public sealed class PostgresSmokeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pooled_WritesAndReadsInTheTestsOwnSchema()
    {
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using (var ddl = schema.Direct.CreateCommand($"CREATE TABLE {schema.Table("items")} (id int PRIMARY KEY, name text NOT NULL)"))
        {
            await ddl.ExecuteNonQueryAsync(Ct);
        }

        await using (var connection = await schema.Pooled.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO {schema.Table("items")} (id, name) VALUES (@id, @name)", connection, transaction);
            insert.Parameters.AddWithValue("id", 1);
            insert.Parameters.AddWithValue("name", "through pgbouncer");
            Assert.Equal(1, await insert.ExecuteNonQueryAsync(Ct));
            await transaction.CommitAsync(Ct);
        }

        await using var select = schema.Direct.CreateCommand($"SELECT name FROM {schema.Table("items")} WHERE id = 1");
        Assert.Equal("through pgbouncer", await select.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Pooled_IsTransactionPooling_ServerChangesBetweenTransactionsOfOneClient()
    {
        // With a direct connection or session pooling, one client keeps one server process for its
        // whole life. In transaction mode the server goes back to the pool after each transaction:
        // while another client holds it in an open transaction, the first client must get another.
        var changed = false;
        for (var attempt = 0; attempt < 5 && !changed; attempt++)
        {
            await using var a = await postgres.Pooled.OpenConnectionAsync(Ct);
            var first = await BackendPidAsync(a, null);

            await using var b = await postgres.Pooled.OpenConnectionAsync(Ct);
            await using var holding = await b.BeginTransactionAsync(Ct);
            var held = await BackendPidAsync(b, holding);

            var second = await BackendPidAsync(a, null);
            Assert.NotEqual(held, second);
            changed = first != second;
        }
        Assert.True(changed, "one client kept one PostgreSQL backend across transactions: not transaction pooling");
    }

    [Fact]
    public async Task Schema_IsDroppedWhenTheTestEnds()
    {
        string name;
        await using (var schema = await postgres.CreateSchemaAsync(Ct))
        {
            name = schema.Name;
        }
        await using var command = postgres.Direct.CreateCommand("SELECT count(*) FROM pg_namespace WHERE nspname = @name");
        command.Parameters.AddWithValue("name", name);
        Assert.Equal(0L, await command.ExecuteScalarAsync(Ct));
    }

    private static async Task<int> BackendPidAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection, transaction);
        return (int)(await command.ExecuteScalarAsync(Ct))!;
    }
}
