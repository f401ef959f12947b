using Microsoft.Extensions.Options;

namespace Helix.Webhooks.Tests;

/// <summary>A bad configuration stops the receiver at start-up, naming the key and never the secret.</summary>
public sealed class ConfigurationTests
{
    private static Task<Exception> StartWith(Dictionary<string, string?> settings) =>
        Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await ReceiverHost.StartAsync("nats://127.0.0.1:1", "CONFIG_TEST", "config-test", settings, waitUntilReady: false);
        });

    [Fact]
    public async Task SecretWrittenInConfiguration_IsRefused_WithoutEchoingIt()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:Secrets:0"] = "whsec_c3VwZXItc2VjcmV0LXZhbHVl" });
        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("'Receiver:Sources:acme:Secrets:0'", error.Message, StringComparison.Ordinal);
        Assert.Contains("env:VARIABLE or file:/path", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c3VwZXItc2VjcmV0LXZhbHVl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretFromAnUnsetVariable_IsRefused_NamingTheKey()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:Secrets:1"] = "env:HELIX_TEST_UNSET_WEBHOOK_SECRET" });
        Assert.Contains("'Receiver:Sources:acme:Secrets:1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HELIX_TEST_UNSET_WEBHOOK_SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretFileThatIsMissing_IsRefused_NamingTheKey()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:Secrets:0"] = "file:/nonexistent/helix/secret" });
        Assert.Contains("'Receiver:Sources:acme:Secrets:0'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandardWebhooksSecretThatIsNotBase64_IsRefused_NamingTheKey()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "whsec_not base64!", TestContext.Current.CancellationToken);
        try
        {
            var error = await StartWith(new() { ["Receiver:Sources:acme:Secrets:0"] = "file:" + file });
            Assert.Contains("'Receiver:Sources:acme:Secrets:0'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not base64!", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task SourceNameThatCannotBeASubjectToken_IsRefused()
    {
        var error = await StartWith(new() { ["Receiver:Sources:Bad.Name:Scheme"] = "GitHub", ["Receiver:Sources:Bad.Name:Secrets:0"] = "env:PATH" });
        Assert.Contains("'Receiver:Sources:Bad.Name'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASubjectOverride_IsRefused_SoNoSourceHidesItsEventsFromConsumers()
    {
        // A source's events go to {prefix}.{source}, the subjects the Orchestrator filters on (Helix.Events owns the grammar).
        var error = await StartWith(new() { ["Receiver:Sources:acme:Scheme"] = "GitHub", ["Receiver:Sources:acme:Secrets:0"] = "env:PATH", ["Receiver:Sources:acme:Subject"] = "elsewhere" });
        Assert.Contains("were not found on the instance of Helix.Webhooks.Configuration.SourceOptions: 'Subject'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenericSchemeWithoutItsSettings_IsRefused()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:Scheme"] = "Generic" });
        Assert.Contains("'Receiver:Sources:acme:Generic'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownScheme_IsRefused_NamingTheKey()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:Scheme"] = "Paypal" });
        Assert.Contains("Receiver:Sources:acme:Scheme", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NatsUrlThatIsNotNats_IsRefused()
    {
        var error = await StartWith(new() { ["Nats:Url"] = "http://nats:4222" });
        Assert.Contains("'Nats:Url'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayWindow_OnASchemeThatSignsItsTimestamp_IsRefused_SayingWhy()
    {
        var error = await StartWith(new() { ["Receiver:Sources:acme:ReplayWindow"] = "00:10:00" });
        Assert.Contains("ReplayWindow", error.Message, StringComparison.Ordinal);
        Assert.Contains("StandardWebhooks signs them", error.Message, StringComparison.Ordinal);
    }
}
