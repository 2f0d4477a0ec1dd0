import type { ModalView } from '@slack/types';
import type { ModalRequest } from '../../commands/modal-request.js';
import type { Catalog } from '../config/catalog-schema.js';
import { buildDeployModal } from './deploy-modal.js';
import { rollbackConfirmView } from './rollback-confirm-view.js';

/** The Block Kit of the dialog a command asked for. Pure. */
export function buildRequestedModal(request: ModalRequest, catalog: Catalog): ModalView {
  switch (request.kind) {
    case 'deploy':
      return buildDeployModal(catalog, { channelId: request.channelId });
    case 'rollback-confirm':
      return rollbackConfirmView(request.intent, request.summary);
  }
}
