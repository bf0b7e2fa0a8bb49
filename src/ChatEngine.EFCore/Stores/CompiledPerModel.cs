using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// A compiled query (<see cref="EF.CompileAsyncQuery{TContext, TResult}(System.Linq.Expressions.Expression{Func{TContext, IQueryable{TResult}}})"/>
/// and its overloads) for each model it runs against. The reads that every chat list and chat page
/// make are compiled: otherwise EF Core walks and hashes a query's whole expression tree on each
/// execution to find the translation it cached (16% of the server's CPU under REST reads,
/// profiled). EF Core runs a compiled query only with the model it first ran with, and one context
/// type may have several (an app's context can take its provider or its users' model from
/// configuration), hence one for each.
/// </summary>
/// <typeparam name="TQuery">The compiled query's delegate.</typeparam>
/// <param name="compile">Compiles the query; called once for each model.</param>
internal sealed class CompiledPerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    // Models live as long as their context type's model cache, so a weak table lets a model go with it.
    private readonly ConditionalWeakTable<IModel, TQuery> _queries = new();

    // Made once, so a lookup allocates nothing.
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback _compile = _ => compile();

    /// <summary>The query compiled for <paramref name="context"/>'s model.</summary>
    public TQuery For(DbContext context) => _queries.GetValue(context.Model, _compile);
}

/// <summary>Reading what a compiled query streams.</summary>
internal static class CompiledQueryRows
{
    /// <summary>Every row, each made into what the store returns, in the order the query gives them.</summary>
    public static async Task<List<T>> ReadAllAsync<TRow, T>(this IAsyncEnumerable<TRow> rows, Func<TRow, T> map, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            all.Add(map(row));
        }

        return all;
    }
}
