using Microsoft.AspNetCore.Components;

namespace ChatEngine.AspNetCore;

/// <summary>How the chat pages fit the app around them: its name, a way back to it, its styles and layout.</summary>
public sealed class ChatPageOptions
{
    /// <summary>The name in the pages' header and window titles. Default <c>ChatEngine</c>.</summary>
    public string Brand { get; set; } = "ChatEngine";

    /// <summary>A link back to the app in the pages' header (for example <c>/</c>); none by default.</summary>
    public string? HomeLink { get; set; }

    /// <summary>The text of <see cref="HomeLink"/>. Default <c>Home</c>.</summary>
    public string HomeLinkText { get; set; } = "Home";

    /// <summary>The app's own stylesheets (paths or URLs), linked after the pages' own so they can restyle them.</summary>
    public IList<string> Stylesheets { get; } = [];

    /// <summary>
    /// A layout component of the app (a <see cref="LayoutComponentBase"/>, such as a Blazor app's
    /// <c>MainLayout</c>) that the pages render inside, so they show the app's navigation around the
    /// chat. Add the stylesheets the layout needs to <see cref="Stylesheets"/>. None by default.
    /// </summary>
    public Type? Layout { get; set; }
}
