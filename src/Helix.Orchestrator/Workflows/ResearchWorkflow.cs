using Helix.Orchestrator.Nodes;
using Helix.Postgres;
using Helix.Workflows;
using Npgsql;
using Route = Helix.Workflows.Route;

namespace Helix.Orchestrator.Workflows;

/// <summary>The research workflow's state.</summary>
public sealed record ResearchState
{
    /// <summary>The event that asked, when an event did: its body is <c>{"question": "...", "urls": ["https://..."]}</c>.</summary>
    public EventInput? Event { get; init; }

    public string? Question { get; init; }

    public List<string> Urls { get; init; } = [];

    /// <summary>One per URL, in the order of <see cref="Urls"/> (fan-out branches join in task order).</summary>
    public List<PageNote> Pages { get; init; } = [];

    public List<PageSummary> Summaries { get; init; } = [];

    public string? Report { get; init; }
}

public sealed record PageNote(string Url, string Title, string Text);

public sealed record PageSummary(string Url, string Summary);

/// <summary>
/// <c>research</c>, the reference workflow: from an event with a question and URLs, browse every URL
/// (one branch each, through Steel), summarize every page with the model (one branch each), combine
/// the summaries into a report, and store the report, each step durable, the store exactly once.
/// </summary>
internal static class ResearchWorkflow
{
    public const string Name = "research";
    private const int MaxUrls = 20;
    private const int MaxPageText = 8_000;

    public static IWorkflow Build(string schema)
    {
        var model = new NodeOptions { Retry = RetryPolicy.Default with { MaxAttempts = 4 } };
        return Workflow.Create<ResearchState>(Name)
            .Reduce(s => s.Pages, Reducers.Append)
            .Reduce(s => s.Summaries, Reducers.Append)
            .AddNode("plan", (_, state) => Task.FromResult(Plan(state)), new NodeOptions { Retry = RetryPolicy.None })
            .AddEdge(Workflow.Start, "plan")
            .AddConditionalEdges("plan", state => state.Urls.Select(url => Route.Send("browse", url)))
            .AddNode("browse", async (context, _) =>
            {
                var url = new Uri(context.GetInput<string>());
                var browser = context.Services.GetRequiredService<WebBrowser>();
                var page = await browser.ReadAsync(new BrowseRequest { Url = url, MaxTextLength = MaxPageText }, context.CancellationToken).ConfigureAwait(false);
                return new Update<ResearchState>().Set(s => s.Pages, [new PageNote(url.ToString(), page.Title, page.Text)]);
            }, new NodeOptions { Timeout = TimeSpan.FromMinutes(2) })
            .AddConditionalEdges("browse", state => state.Pages.Select(page => Route.Send("summarize", page)))
            .AddNode("summarize", async (context, state) =>
            {
                var page = context.GetInput<PageNote>();
                var summary = await context.Services.GetRequiredService<LanguageModel>().CompleteAsync(new LlmRequest
                {
                    Messages =
                    [
                        new("system", "You summarize web pages for a researcher. Keep what bears on the question; say so when nothing does. At most five sentences."),
                        new("user", $"Question: {state.Question}\n\nPage: {page.Title} ({page.Url})\n\n{page.Text}"),
                    ],
                    Temperature = 0,
                }, context.CancellationToken).ConfigureAwait(false);
                return new Update<ResearchState>().Set(s => s.Summaries, [new PageSummary(page.Url, summary.Trim())]);
            }, model)
            .AddEdge("summarize", "combine")
            .AddNode("combine", async (context, state) =>
            {
                var sources = string.Join("\n\n", state.Summaries.Select((s, i) => $"[{i + 1}] {s.Url}\n{s.Summary}"));
                var report = await context.Services.GetRequiredService<LanguageModel>().CompleteAsync(new LlmRequest
                {
                    Messages =
                    [
                        new("system", "You answer a research question from numbered source summaries. Cite sources as [n]. Say what the sources do not settle."),
                        new("user", $"Question: {state.Question}\n\nSources:\n{sources}"),
                    ],
                    Temperature = 0,
                }, context.CancellationToken).ConfigureAwait(false);
                return new Update<ResearchState>().Set(s => s.Report, report.Trim());
            }, model)
            .AddEdge("combine", "store")
            .AddNode("store", async (context, state) =>
            {
                // In the step's own transaction: the row and the checkpoint commit together, once.
                var transaction = await context.TransactionAsync().ConfigureAwait(false);
                await using var insert = new NpgsqlCommand(
                    $"INSERT INTO \"{schema}\".research_results (run_id, question, report, sources) VALUES ($1, $2, $3, $4)", transaction.Connection, transaction)
                    .With(context.RunId, state.Question!, state.Report!, SqlParameters.Json(System.Text.Json.JsonSerializer.Serialize(state.Summaries.Select(s => s.Url), Workflow.Json)));
                await insert.ExecuteNonQueryAsync(context.CancellationToken).ConfigureAwait(false);
                return new Update<ResearchState>();
            })
            .AddEdge("store", Workflow.End)
            .Build();
    }

    /// <summary>The question and URLs, from the state or the event's body; a bad request fails the run with the reason (no retry helps).</summary>
    private static Update<ResearchState> Plan(ResearchState state)
    {
        var body = state.Event?.Body;
        var question = state.Question ?? body?["question"]?.GetValue<string>();
        var urls = state.Urls.Count > 0 ? state.Urls : body?["urls"]?.AsArray().Select(u => u!.GetValue<string>()).ToList() ?? [];
        if (string.IsNullOrWhiteSpace(question))
        {
            throw new ArgumentException("the research request has no question: send {\"question\": \"...\", \"urls\": [\"https://...\"]}");
        }
        if (urls.Count is 0 or > MaxUrls)
        {
            throw new ArgumentException($"the research request needs 1 to {MaxUrls} URLs, not {urls.Count}");
        }
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"'{url}' is not an http(s) URL");
            }
        }
        return new Update<ResearchState>().Set(s => s.Question, question).Set(s => s.Urls, urls.Distinct(StringComparer.Ordinal).ToList());
    }
}
