// The Web journey's only script. The journey works without it; it adds previews of the chosen
// images and, when the journey is framed, posts Jumio's iFrame events (eventType 510) to the
// embedding page, to that page's origin only (the server names it; never to any origin).
(function () {
  'use strict';

  function attribute(element, name) {
    return element.getAttribute(name) || '';
  }

  function postEvent(main) {
    var value = main.getAttribute('data-event');
    var origin = main.getAttribute('data-parent-origin');
    if (!value || !origin || window.parent === window) {
      return;
    }
    var metainfo = {};
    if (value === 'error') {
      metainfo.code = parseInt(attribute(main, 'data-error-code'), 10) || 9100;
    }
    var event = {
      accountId: attribute(main, 'data-account-id'),
      authorizationToken: attribute(main, 'data-authorization-token'),
      workflowExecutionId: attribute(main, 'data-workflow-execution-id'),
      customerInternalReference: attribute(main, 'data-customer-internal-reference'),
      eventType: 510,
      dateTime: new Date().toISOString(),
      payload: { value: value, metainfo: metainfo }
    };
    try {
      window.parent.postMessage(JSON.stringify(event), origin);
    } catch (error) {
      // An origin the browser cannot use: the event is not posted.
    }
  }

  function previewImages() {
    var inputs = document.querySelectorAll('input[type="file"]');
    Array.prototype.forEach.call(inputs, function (input) {
      var preview = input.nextElementSibling;
      if (!preview || preview.tagName !== 'IMG') {
        return;
      }
      input.addEventListener('change', function () {
        var file = input.files && input.files[0];
        if (preview.src) {
          URL.revokeObjectURL(preview.src);
        }
        if (file && /^image\//.test(file.type)) {
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
        } else {
          preview.removeAttribute('src');
          preview.hidden = true;
        }
      });
    });
  }

  var main = document.querySelector('main');
  if (main) {
    postEvent(main);
  }
  previewImages();
}());
