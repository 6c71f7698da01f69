"""Figure of the embedding PCA (Fig. 4.15)."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go

from ..analysis.embeddings import EmbeddingPCA

__all__ = ["embedding_pca_figure"]


def embedding_pca_figure(pca: EmbeddingPCA) -> go.Figure:
    """Elements in the plane of the two leading components, labelled, coloured by periodic-table group
    (main groups IA-VIIIA as in Fig. 4.15, transition-metal groups, lanthanides, actinides)."""
    palette = px.colors.qualitative.Dark24
    figure = go.Figure()
    frame, explained_variance_ratio = pca.table, pca.explained_variance_ratio
    frame = frame.assign(_order=frame["group"] + 0.5 * frame["family"].isin(["lanthanides", "actinides"]))
    for k, (family, members) in enumerate(sorted(frame.groupby("family"), key=lambda item: item[1]["_order"].min())):
        members = members.sort_values("Z")
        figure.add_trace(go.Scatter(
            x=members["PC1"], y=members["PC2"], mode="markers+text", text=members["element"],
            textposition="top center", name=family, marker=dict(size=10, color=palette[k % 24]),
            customdata=members[["Z", "period"]], hovertemplate="%{text}: Z=%{customdata[0]}, period %{customdata[1]}"
            "<extra>" + family + "</extra>"))
    figure.update_layout(
        title="Element embeddings, two leading principal components",
        xaxis_title=f"PC1 ({100 * explained_variance_ratio[0]:.1f}% of variance)",
        yaxis_title=f"PC2 ({100 * explained_variance_ratio[1]:.1f}% of variance)",
        plot_bgcolor="white")
    return figure
