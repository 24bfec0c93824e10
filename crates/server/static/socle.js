// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // "Copy" buttons next to code snippets (curl examples, embed snippets).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var previous = button.textContent;
        button.textContent = "Copié";
        setTimeout(function () { button.textContent = previous; }, 2000);
      });
    });
  });
  // Base tiles under server-drawn maps, when the instance configured a tile server
  // (portal_map_tiles_url). The SVG is in Web Mercator; its data-* attributes give the
  // projection: x = (lon - west) * scale, y = (north - mercator(lat)) * scale, in degrees.
  document.querySelectorAll(".map-frame[data-tiles]").forEach(function (frame) {
    var svg = frame.querySelector("svg");
    var template = frame.getAttribute("data-tiles");
    if (!svg || !template) { return; }
    var west = parseFloat(svg.dataset.west), north = parseFloat(svg.dataset.north);
    var scale = parseFloat(svg.dataset.scale);
    var box = svg.viewBox.baseVal;
    var zoom = Math.max(0, Math.min(18, Math.round(Math.log2(scale * 360 / 256))));
    var n = Math.pow(2, zoom);
    var deg = 180 / Math.PI;
    // Tile column/row → SVG coordinates.
    var tileX = function (tx) { return ((tx / n) * 360 - 180 - west) * scale; };
    var tileY = function (ty) { return (north - Math.PI * (1 - 2 * ty / n) * deg) * scale; };
    var eastLon = west + box.width / scale, southMerc = north - box.height / scale;
    var firstX = Math.floor((west + 180) / 360 * n), lastX = Math.floor((eastLon + 180) / 360 * n);
    var firstY = Math.floor((1 - north / deg / Math.PI) / 2 * n), lastY = Math.floor((1 - southMerc / deg / Math.PI) / 2 * n);
    var ns = "http://www.w3.org/2000/svg";
    var layer = document.createElementNS(ns, "g");
    layer.setAttribute("class", "map-tiles");
    layer.setAttribute("aria-hidden", "true");
    for (var tx = firstX; tx <= lastX; tx++) {
      for (var ty = firstY; ty <= lastY; ty++) {
        var image = document.createElementNS(ns, "image");
        image.setAttribute("href", template.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty));
        image.setAttribute("x", tileX(tx));
        image.setAttribute("y", tileY(ty));
        image.setAttribute("width", tileX(tx + 1) - tileX(tx));
        image.setAttribute("height", tileY(ty + 1) - tileY(ty));
        layer.appendChild(image);
      }
    }
    svg.insertBefore(layer, svg.querySelector("title").nextSibling);
    svg.classList.add("with-tiles");
  });
})();
