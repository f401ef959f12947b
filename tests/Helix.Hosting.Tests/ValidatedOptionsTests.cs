using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Helix.Hosting.Tests;

public sealed class ValidatedOptionsTests
{
    internal sealed record SampleOptions : IValidatableObject
    {
        [Range(1, 65535)]
        public int Port { get; init; } = 8080;

        [Required]
        public string Name { get; init; } = "sample";

        public List<SampleItem> Items { get; init; } = [];

        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

        public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(30);

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (Timeout > Deadline)
            {
                yield return new ValidationResult("must not exceed Deadline", [nameof(Timeout)]);
            }
        }
    }

    internal sealed record SampleItem
    {
        [Required(AllowEmptyStrings = false)]
        public string? Name { get; init; }
    }

    private static Task<Exception> StartWith(Dictionary<string, string?> settings) =>
        Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var service = TestService.Build(settings,
                configure: b => b.Services.AddValidatedOptions<SampleOptions>("Sample"));
            await service.StartAsync();
        });

    [Fact]
    public async Task Startup_FailsOnOutOfRangeValue_NamingTheKey()
    {
        var error = await StartWith(new() { ["Sample:Port"] = "0" });
        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("'Sample:Port'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_FailsOnMissingRequiredValueInAList_NamingTheIndexedKey()
    {
        var error = await StartWith(new() { ["Sample:Items:0:Name"] = "a", ["Sample:Items:1:Name"] = "" });
        Assert.Contains("'Sample:Items:1:Name'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Sample:Items:0:Name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_FailsOnCrossFieldRule_NamingTheKey()
    {
        var error = await StartWith(new() { ["Sample:Timeout"] = "00:01:00" });
        Assert.Contains("'Sample:Timeout': must not exceed Deadline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_FailsOnUnknownKey_SoATypoIsNotIgnored()
    {
        var error = await StartWith(new() { ["Sample:Prot"] = "9000" });
        Assert.Contains("'Sample'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Prot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_FailsOnUnparsableValue_NamingTheKey()
    {
        var error = await StartWith(new() { ["Sample:Port"] = "eighty" });
        Assert.Contains("Sample:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_SucceedsWithValidConfiguration()
    {
        await using var service = TestService.Build(
            new Dictionary<string, string?> { ["Sample:Port"] = "9000", ["Sample:Items:0:Name"] = "a" },
            configure: b => b.Services.AddValidatedOptions<SampleOptions>("Sample"));
        await service.StartAsync();
        var options = service.App.Services.GetRequiredService<IOptions<SampleOptions>>().Value;
        Assert.Equal(9000, options.Port);
        Assert.Equal("a", Assert.Single(options.Items).Name);
    }

    [Fact]
    public async Task Startup_FailsOnBadShutdownOptions_NamingTheKey()
    {
        var error = await StartWith(new() { ["Shutdown:Timeout"] = "00:00:00" });
        Assert.Contains("'Shutdown:Timeout'", error.Message, StringComparison.Ordinal);
    }
}
